package dev.backgroundjobs;

import java.util.List;
import java.util.Map;

/**
 * The outcome of an operation on dead letters in bulk.
 *
 * @param done the ids of the dead letters the operation applied to
 * @param skipped the ids of the dead letters it could not apply to, each with the reason
 */
public record DeadLetterBatch(List<String> done, Map<String, String> skipped) {

	/**
	 * Creates an outcome, copying its arguments.
	 * @param done the ids of the dead letters the operation applied to
	 * @param skipped the ids of the dead letters it could not apply to, with the reasons
	 */
	public DeadLetterBatch {
		done = List.copyOf(done);
		skipped = Map.copyOf(skipped);
	}

}
