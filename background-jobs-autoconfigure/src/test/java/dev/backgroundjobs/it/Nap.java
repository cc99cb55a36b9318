package dev.backgroundjobs.it;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Payload of the sleeping test events.
 *
 * @param millis how long to sleep, when {@code until} is not set
 * @param until when to wake, if set
 */
record Nap(long millis, @Nullable Instant until) {

	static Nap forMillis(long millis) {
		return new Nap(millis, null);
	}

	static Nap until(Instant until) {
		return new Nap(0, until);
	}

}
