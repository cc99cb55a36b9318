package dev.backgroundjobs;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when background-jobs cannot do what was asked, for example when the broker does
 * not acknowledge a published event in time.
 */
public class BackgroundJobsException extends RuntimeException {

	/**
	 * Creates an exception.
	 * @param message the message
	 */
	public BackgroundJobsException(String message) {
		super(message);
	}

	/**
	 * Creates an exception with a cause.
	 * @param message the message
	 * @param cause the cause
	 */
	public BackgroundJobsException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
