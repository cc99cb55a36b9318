package dev.backgroundjobs.json;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a value cannot be encoded or decoded, or is over the size limit. Its
 * message names the value.
 */
public class PayloadException extends IllegalArgumentException {

	/**
	 * Creates an exception.
	 * @param message the message
	 * @param cause the cause
	 */
	public PayloadException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
