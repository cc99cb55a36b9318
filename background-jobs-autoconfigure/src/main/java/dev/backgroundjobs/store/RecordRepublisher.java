package dev.backgroundjobs.store;

/**
 * Publishes the stored record of a poison dead letter again to the topic it was read
 * from, so that it is read once more after the cause of the failure has been fixed.
 */
@FunctionalInterface
public interface RecordRepublisher {

	/**
	 * Publishes a poison record again, with its key, value and headers, and returns once
	 * the broker has acknowledged it.
	 * @param poison the dead letter of the poison record
	 * @throws dev.backgroundjobs.BrokerUnavailableException if the broker did not
	 * acknowledge the record in time
	 */
	void republish(DeadLetterRecord poison);

}
