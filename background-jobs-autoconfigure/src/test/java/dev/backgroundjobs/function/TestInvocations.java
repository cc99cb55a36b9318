package dev.backgroundjobs.function;

import java.util.List;
import java.util.Optional;

import java.time.Duration;

import java.time.Instant;
import java.util.concurrent.Callable;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.function.invoke.Invocation;
import dev.backgroundjobs.function.invoke.StoredEvent;

import org.springframework.core.ParameterizedTypeReference;

/**
 * Builds invocations for tests that call handlers.
 */
final class TestInvocations {

	private TestInvocations() {
	}

	static Invocation of(String functionId, String dataJson) {
		return new Invocation(new RunContext("run-1", functionId, "event-1", 1), new DirectStep(),
				new StoredEvent("event-1", "test/event", dataJson, Instant.parse("2025-01-01T00:00:00Z")));
	}

	/**
	 * Runs each step at once, without checkpoints.
	 */
	static final class DirectStep implements Step {

		@Override
		public <T> T run(String id, Class<T> type, Callable<T> action) {
			try {
				return action.call();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		public void run(String id, Action action) {
			try {
				action.run();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		public void sleep(String id, Duration duration) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void sleepUntil(String id, Instant time) {
			throw new UnsupportedOperationException();
		}

		@Override
		public String sendEvent(String id, String name, Object data) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> T invoke(String id, String functionId, Object data, Class<T> type) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout,
				String match) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Step withRetry(RetryPolicy policy) {
			return this;
		}

		@Override
		public <T> T run(String id, ParameterizedTypeReference<T> type, Callable<T> action) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type,
				Duration timeout, String match) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> List<T> parallel(String id, List<? extends Branch<? extends T>> branches) {
			throw new UnsupportedOperationException();
		}

	}

}
