package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.backgroundjobs.engine.Faults;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Holds back the takeover of expired leases while this instance cannot reach the
 * database, and for one lease length after it reaches it again.
 * <p>
 * When the database is down for everyone, no instance can renew its leases, so they all
 * lapse although their runs are still executing and waiting to checkpoint. Taking those
 * runs over the moment the database returns would run their steps a second time on
 * another instance. Held back for one lease length, every live owner renews its leases
 * with its next heartbeats first; only runs of instances that died meanwhile are taken
 * over, one lease length later than usual. Sleeping and waiting runs that fall due are
 * claimed as usual.
 * <p>
 * Fed by the lease heartbeat and the due-work poller, read by the poller; thread-safe.
 */
public final class TakeoverHold {

	private static final LogAccessor logger = new LogAccessor(TakeoverHold.class);

	private final Clock clock;

	private final Duration hold;

	private boolean unreachable;

	private Instant heldUntil = Instant.MIN;

	/**
	 * Creates a hold.
	 * @param clock the engine's clock, in database time
	 * @param hold how long takeovers stay held after the database is reached again: the
	 * lease length
	 */
	public TakeoverHold(Clock clock, Duration hold) {
		Assert.notNull(clock, "'clock' must not be null");
		Assert.isTrue(!hold.isNegative(), "'hold' must not be negative");
		this.clock = clock;
		this.hold = hold;
	}

	/**
	 * Records a failed database call of a background loop. Only transient failures (see
	 * {@link Faults#isTransient}) count: a permanent one says nothing about reachability.
	 * @param failure the failure
	 */
	public synchronized void failed(Throwable failure) {
		if (Faults.isTransient(failure)) {
			this.unreachable = true;
		}
	}

	/**
	 * Records a database call of a background loop that succeeded.
	 */
	public synchronized void reached() {
		if (this.unreachable) {
			this.unreachable = false;
			this.heldUntil = this.clock.instant().plus(this.hold);
			logger.info(() -> "Database reachable again; expired leases are taken over from " + this.heldUntil
					+ ", after their owners have had a lease length to renew them");
		}
	}

	/**
	 * Whether runs whose lease expired may be taken over now.
	 * @return {@code false} while the database is unreachable and for one lease length
	 * after
	 */
	public synchronized boolean allowsTakeover() {
		return !this.unreachable && !this.clock.instant().isBefore(this.heldUntil);
	}

}
