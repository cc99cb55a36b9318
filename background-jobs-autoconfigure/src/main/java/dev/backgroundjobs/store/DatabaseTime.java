package dev.backgroundjobs.store;

import java.time.Instant;

/**
 * Reads the database's clock: the one time every instance of an application agrees on,
 * whatever its own clock says.
 */
@FunctionalInterface
public interface DatabaseTime {

	/**
	 * Returns the database's current time.
	 * @return the current time of the database
	 * @throws org.springframework.dao.DataAccessException if the database cannot be
	 * reached
	 */
	Instant now();

}
