package dev.backgroundjobs.outbox;

/**
 * When {@link dev.backgroundjobs.EventPublisher#send} writes the event to the
 * transactional outbox instead of publishing it to the broker at once.
 */
public enum OutboxMode {

	/**
	 * Through the outbox inside a transaction on the starter's DataSource, so the event
	 * commits or rolls back with the caller's writes; directly otherwise.
	 */
	AUTO,

	/**
	 * Always directly: {@code send} returns once the broker has the event, inside a
	 * transaction or not.
	 */
	DIRECT,

	/**
	 * Always through the outbox: inside the caller's transaction when there is one on the
	 * starter's DataSource, otherwise in a transaction of its own. {@code send} then
	 * needs the database, not the broker.
	 */
	OUTBOX

}
