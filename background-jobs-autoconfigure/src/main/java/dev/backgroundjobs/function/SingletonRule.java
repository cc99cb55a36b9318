package dev.backgroundjobs.function;

import dev.backgroundjobs.Singleton;
import org.jspecify.annotations.Nullable;

/**
 * A validated {@link Singleton}: at most one unfinished run for each value at
 * {@code keyPath} of the triggering event.
 *
 * @param keyPath the path of the key in the triggering event, or {@code null} for one run
 * of the function at a time
 * @param mode what an event does when its key has an unfinished run:
 * {@link Singleton.Mode#SKIP} or {@link Singleton.Mode#CANCEL}
 */
public record SingletonRule(@Nullable String keyPath, Singleton.Mode mode) {

	/**
	 * Returns how the rule is named in logs and cancellation reasons.
	 * @return {@code singleton 'data.userId'}, or {@code singleton} without a key
	 */
	public String describe() {
		return (this.keyPath != null) ? "singleton '" + this.keyPath + "'" : "singleton";
	}

}
