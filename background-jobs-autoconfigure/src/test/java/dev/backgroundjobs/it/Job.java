package dev.backgroundjobs.it;

/**
 * Payload of the test events.
 *
 * @param key a business key
 * @param failTimes how many times the failing step fails before succeeding
 * @param sleepMillis how long the slow step takes
 */
record Job(String key, int failTimes, long sleepMillis) {

	static Job simple(String key) {
		return new Job(key, 0, 0);
	}

}
