package dev.backgroundjobs.kafka;

/**
 * Told of the events the intake skipped because a gate of their function
 * ({@code idempotency}, {@code rateLimit}) kept them out. Skipped events start no run and
 * leave no record but the gate's count; this is how they are seen.
 */
@FunctionalInterface
public interface SkippedEvents {

	/**
	 * Ignores skipped events.
	 */
	SkippedEvents NONE = (functionId, reason, count) -> {
	};

	/**
	 * Called after the intake committed a poll in which a gate skipped events.
	 * @param functionId the function whose runs the events would have started
	 * @param reason the kind of the gate: {@code idempotency} or {@code rate-limit}
	 * @param count how many events
	 */
	void skipped(String functionId, String reason, int count);

}
