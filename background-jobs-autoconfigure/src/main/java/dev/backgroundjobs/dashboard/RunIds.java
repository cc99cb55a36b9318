package dev.backgroundjobs.dashboard;

import java.util.UUID;

/**
 * Checks run ids given in requests.
 */
final class RunIds {

	private RunIds() {
	}

	/**
	 * Returns a run id in its canonical form.
	 * @param value the run id given
	 * @return the canonical run id
	 * @throws DashboardRequestException if it is not a run id
	 */
	static String canonical(String value) {
		try {
			// UUID.fromString also accepts short groups such as 1-2-3-4-5.
			String canonical = UUID.fromString(value.trim()).toString();
			if (canonical.equalsIgnoreCase(value.trim())) {
				return canonical;
			}
		}
		catch (IllegalArgumentException ex) {
			// Reported below.
		}
		throw new DashboardRequestException(
				"'" + value + "' is not a run id; run ids are UUIDs such as 123e4567-e89b-12d3-a456-426614174000");
	}

}
