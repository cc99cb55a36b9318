package dev.backgroundjobs.test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * An application with one function per timer the kit's integration tests move.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TestFunctionsApplication {

	@Bean
	Functions functions() {
		return new Functions();
	}

	/**
	 * The functions.
	 */
	public static class Functions {

		/**
		 * How many times the {@code flaky} step has been tried.
		 */
		public final AtomicInteger flakyAttempts = new AtomicInteger();

		/**
		 * How many times the {@code hold} step has started.
		 */
		public final AtomicInteger holds = new AtomicInteger();

		/**
		 * Released to let the {@code hold} step finish.
		 */
		public final CountDownLatch release = new CountDownLatch(1);

		/**
		 * Counted down once the {@code hold} step has started.
		 */
		public final CountDownLatch holding = new CountDownLatch(1);

		@EventHandler(id = "nap", event = "kit/nap")
		String nap(Step step) {
			step.sleep("an-hour", Duration.ofHours(1));
			return "rested";
		}

		@EventHandler(id = "await-reply", event = "kit/question")
		String awaitReply(Event<Map<String, Object>> event, Step step) {
			return step.waitForEvent("reply", "kit/reply", Map.class, Duration.ofDays(1), "data.id")
				.map((reply) -> "answered")
				.orElse("no reply within a day");
		}

		@EventHandler(id = "flaky", event = "kit/flaky", retries = 2)
		String flaky(Step step) {
			return step.run("call", String.class, () -> {
				if (this.flakyAttempts.incrementAndGet() == 1) {
					throw new IllegalStateException("first call fails");
				}
				return "succeeded";
			});
		}

		@EventHandler(id = "broken", event = "kit/broken", retries = 0)
		String broken(Step step) {
			step.run("prepare", () -> {
			});
			step.run("explode", () -> {
				throw new IllegalStateException("broken on purpose");
			});
			return "unreachable";
		}

		@EventHandler(id = "hold", event = "kit/hold")
		String hold(Step step) {
			step.run("hold", () -> {
				this.holds.incrementAndGet();
				this.holding.countDown();
				this.release.await(30, TimeUnit.SECONDS);
			});
			return "held";
		}

		@EventHandler(id = "hourly", cron = "0 * * * *")
		String hourly(Step step) {
			return "ticked";
		}

	}

}
