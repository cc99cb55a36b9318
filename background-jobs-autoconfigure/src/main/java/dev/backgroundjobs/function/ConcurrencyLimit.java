package dev.backgroundjobs.function;

import org.jspecify.annotations.Nullable;

/**
 * A validated {@link dev.backgroundjobs.Concurrency}: at most {@code limit} runs of a
 * function queued or running at once for each value at {@code keyPath} of the triggering
 * event, with the {@link dev.backgroundjobs.Priority} that orders the runs waiting for a
 * slot.
 *
 * @param limit most runs at once per key
 * @param keyPath the path of the key in the triggering event, or {@code null} for one
 * limit for all runs of the function
 * @param priority what orders the waiting runs, or {@code null} for their arrival order
 */
public record ConcurrencyLimit(int limit, @Nullable String keyPath, @Nullable RunPriority priority) {

	/**
	 * Returns why a run of the function waits, as its error shows it while it is
	 * {@link dev.backgroundjobs.RunStatus#DELAYED}. It names the key's path, never its
	 * value, which may be personal data.
	 * @return the reason
	 */
	public String reason() {
		return "waiting for a concurrency slot: limit " + this.limit
				+ ((this.keyPath != null) ? " for key '" + this.keyPath + "'" : " for the function");
	}

}
