package dev.backgroundjobs.kafka;

/**
 * Thrown when a record cannot be read as an event.
 */
class PoisonRecordException extends RuntimeException {

	PoisonRecordException(String message) {
		super(message);
	}

}
