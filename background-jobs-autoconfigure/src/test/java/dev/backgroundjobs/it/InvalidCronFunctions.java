package dev.backgroundjobs.it;

import dev.backgroundjobs.EventHandler;

/**
 * Handlers with an invalid cron expression and an invalid zone.
 */
class InvalidCronFunctions {

	@EventHandler(id = "bad-cron", cron = "61 * * * *")
	void badCron() {
	}

	@EventHandler(id = "bad-zone", cron = "@daily", zone = "Mars/Olympus_Mons")
	void badZone() {
	}

}
