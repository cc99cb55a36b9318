package dev.backgroundjobs.schedule;

import java.time.Duration;

import dev.backgroundjobs.store.RunStore;

import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataAccessException;

/**
 * Extends the leases of every run this instance holds, with one statement per heartbeat.
 * A missed heartbeat (database briefly down) is harmless as long as one succeeds before
 * the lease expires.
 */
public final class LeaseKeeper {

	private static final LogAccessor logger = new LogAccessor(LeaseKeeper.class);

	private final RunStore runStore;

	private final String instanceId;

	private final Duration lease;

	/**
	 * Creates a lease keeper.
	 * @param runStore the run store
	 * @param instanceId this instance's id, the lease owner
	 * @param lease the lease length
	 */
	public LeaseKeeper(RunStore runStore, String instanceId, Duration lease) {
		this.runStore = runStore;
		this.instanceId = instanceId;
		this.lease = lease;
	}

	/**
	 * Extends this instance's leases now.
	 * @return how many leases were extended, or -1 if the database could not be reached
	 */
	public int heartbeatNow() {
		try {
			int extended = this.runStore.extendLeases(this.instanceId, this.lease);
			logger.trace(() -> "Extended " + extended + " leases");
			return extended;
		}
		catch (DataAccessException ex) {
			logger.warn(ex, "Could not extend run leases; retrying at the next heartbeat");
			return -1;
		}
	}

}
