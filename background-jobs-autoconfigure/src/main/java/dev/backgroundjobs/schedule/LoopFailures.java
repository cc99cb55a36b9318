package dev.backgroundjobs.schedule;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.core.log.LogAccessor;

/**
 * Logs the failures of one background loop at a throttled rate: the first failure of an
 * outage at WARN with its stack trace, the following ones at DEBUG, and one INFO line
 * with the number of failed rounds when the loop succeeds again. A loop that fails every
 * second during a minute-long outage so logs two lines, not sixty stack traces.
 * <p>
 * Thread-safe; meant to be owned by one loop.
 */
public final class LoopFailures {

	private final LogAccessor logger;

	private final String action;

	private final AtomicInteger failures = new AtomicInteger();

	/**
	 * Creates a log of failures.
	 * @param logger the logger of the loop
	 * @param action what the loop does, completing "Could not …", for example
	 * {@code "claim due runs"}
	 */
	public LoopFailures(LogAccessor logger, String action) {
		this.logger = logger;
		this.action = action;
	}

	/**
	 * Records a failed round of the loop.
	 * @param failure the failure
	 */
	public void failed(Throwable failure) {
		int count = this.failures.incrementAndGet();
		if (count == 1) {
			this.logger.warn(failure, () -> "Could not " + this.action + "; retrying, and logging further failures "
					+ "at DEBUG until it succeeds");
		}
		else {
			this.logger.debug(failure, () -> "Could not " + this.action + " (failure " + count + " in a row)");
		}
	}

	/**
	 * Records a successful round of the loop.
	 */
	public void succeeded() {
		int count = this.failures.getAndSet(0);
		if (count > 0) {
			this.logger.info(() -> "Could " + this.action + " again after " + count + " failed attempts");
		}
	}

	/**
	 * Whether the last round failed.
	 * @return whether the loop is failing
	 */
	public boolean isFailing() {
		return this.failures.get() > 0;
	}

}
