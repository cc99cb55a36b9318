package dev.backgroundjobs;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link EventPublisher#send} when the broker cannot be reached or does not
 * acknowledge an event within the send timeout
 * ({@code background-jobs.kafka.send-timeout}).
 * <p>
 * The failure is transient: the event may or may not have been stored. Sending it again
 * with the same id is safe, since every function runs once per event id. Inside a step,
 * the engine treats it as an outage rather than a failure of the step: the run waits and
 * resumes without spending a retry.
 */
public class BrokerUnavailableException extends BackgroundJobsException {

	/**
	 * Creates an exception.
	 * @param message the message, naming the event
	 * @param cause the cause
	 */
	public BrokerUnavailableException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
