package dev.backgroundjobs.faults;

/**
 * The size of the scenarios, from {@code -Dfaults.size}: {@code small} (the default, for
 * CI: a few hundred events, short outages) or {@code full} (10,000 events, the issue's
 * outage lengths).
 */
enum FaultSize {

	SMALL, FULL;

	static FaultSize current() {
		return "full".equalsIgnoreCase(System.getProperty("faults.size", "small")) ? FULL : SMALL;
	}

	/**
	 * Picks the value for this size.
	 * @param small the value for CI
	 * @param full the value for the full run
	 * @return the value
	 */
	int pick(int small, int full) {
		return (this == FULL) ? full : small;
	}

}
