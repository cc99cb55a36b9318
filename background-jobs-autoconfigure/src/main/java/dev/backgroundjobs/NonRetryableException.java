package dev.backgroundjobs;

/**
 * Thrown by a step, or by a handler outside its steps, to fail at once without spending
 * the remaining retries: retrying cannot help, for example because the input is invalid
 * or a remote service refused the request for good.
 * <p>
 * It is found anywhere in the cause chain of what was thrown, so a wrapper (a
 * {@code CompletionException}, an {@code UndeclaredThrowableException}) does not hide it.
 * The step fails with a {@link StepFailedException} and the run fails and becomes a dead
 * letter, unless the handler catches the step's failure.
 */
public class NonRetryableException extends RuntimeException {

	/**
	 * Creates an exception.
	 * @param message what went wrong
	 */
	public NonRetryableException(String message) {
		super(message);
	}

	/**
	 * Creates an exception with a cause.
	 * @param message what went wrong
	 * @param cause the failure that cannot be retried
	 */
	public NonRetryableException(String message, Throwable cause) {
		super(message, cause);
	}

}
