package dev.backgroundjobs.dashboard;

/**
 * Thrown when a request to the dashboard's API is not valid; answered with 400 and the
 * message.
 */
class DashboardRequestException extends RuntimeException {

	DashboardRequestException(String message) {
		super(message);
	}

}
