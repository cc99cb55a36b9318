package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.backgroundjobs.engine.Faults;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Holds back the takeover of expired leases after this instance could not reach the
 * database, for one lease length after it reaches it again.
 * <p>
 * When the database is down for everyone, no instance can renew its leases, so they all
 * lapse although their runs are still executing and waiting to checkpoint. Taking those
 * runs over the moment the database returns would run their steps a second time on
 * another instance. Held back for one lease length, every live owner renews its leases
 * with its next heartbeats first; only runs of instances that died meanwhile are taken
 * over, one lease length later than usual. Sleeping and waiting runs that fall due are
 * claimed as usual.
 * <p>
 * An outage does not always show as a failure: a call may wait for a free connection or
 * hang on a connection whose packets are dropped, and succeed once the database answers.
 * So a call that took more than half a lease counts as an outage too, and a claim takes
 * over only leases that expired before it {@link #takeoverCutoff() decided} to take over,
 * never ones that lapsed while its statement waited.
 * <p>
 * Fed by the lease heartbeat and the due-work poller, read by the poller; thread-safe.
 */
public final class TakeoverHold {

	private static final LogAccessor logger = new LogAccessor(TakeoverHold.class);

	private final Clock clock;

	private final Duration hold;

	private final Duration longestCall;

	private boolean unreachable;

	private Instant heldUntil = Instant.MIN;

	/**
	 * Creates a hold.
	 * @param clock the engine's clock, in database time
	 * @param lease the lease length: how long takeovers stay held after an outage, and
	 * twice the longest call that is not taken for one
	 */
	public TakeoverHold(Clock clock, Duration lease) {
		Assert.notNull(clock, "'clock' must not be null");
		Assert.isTrue(!lease.isNegative() && !lease.isZero(), "'lease' must be positive");
		this.clock = clock;
		this.hold = lease;
		this.longestCall = lease.dividedBy(2);
	}

	/**
	 * Returns the instant before which an expired lease may be taken over now, or
	 * {@code null} while takeovers are held back.
	 * @return the cutoff, the current time, or {@code null}
	 */
	public synchronized @Nullable Instant takeoverCutoff() {
		Instant now = this.clock.instant();
		return (this.unreachable || now.isBefore(this.heldUntil)) ? null : now;
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
	 * @param took how long the call took, waiting for a connection included
	 */
	public synchronized void reached(Duration took) {
		if (this.unreachable || took.compareTo(this.longestCall) > 0) {
			Instant now = this.clock.instant();
			this.unreachable = false;
			this.heldUntil = now.plus(this.hold);
			logger.info(() -> "Database reachable again; expired leases are taken over from " + this.heldUntil
					+ ", after their owners have had a lease length to renew them");
		}
	}

}
