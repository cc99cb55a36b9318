package dev.backgroundjobs.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.Throttle;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Throttle accuracy: a burst of events published at once to a function throttled at 100
 * starts per second, on two instances; reports the achieved start rate, the spread of the
 * intervals between consecutive starts, and the most starts in any one-second window,
 * measured at the handler's first line.
 * <p>
 * Arguments: {@code --events=N} (default 2000), {@code --repeat=N} (default 3) and
 * {@code --output=PATH}. Run with
 * {@code ./mvnw -B -pl benchmarks -am verify -Pthrottle-bench -DskipTests}.
 */
public final class ThrottleBenchmark {

	private static final String EVENT = "bench.throttled";

	private static final String SCHEMA = "bj_bench_throttle";

	private ThrottleBenchmark() {
	}

	/**
	 * Runs the benchmark.
	 * @param args the arguments
	 * @throws Exception if it fails
	 */
	public static void main(String[] args) throws Exception {
		int events = Integer.parseInt(option(args, "--events=", "2000"));
		int repeat = Integer.parseInt(option(args, "--repeat=", "3"));
		String output = option(args, "--output=", "");
		StringBuilder table = new StringBuilder("| run, measured at | events | achieved starts/s | interval p50 ms | "
				+ "interval p99 ms | interval max ms | most starts in any 1 s | most starts in any 100 ms |\n"
				+ "|---|---|---|---|---|---|---|---|\n");
		try (Infrastructure infrastructure = new Infrastructure(
				System.getProperty("bench.jdbc.url", Infrastructure.DEFAULT_URL),
				System.getProperty("bench.jdbc.username", "postgres"), System.getProperty("bench.jdbc.password", ""))) {
			infrastructure.startBroker();
			for (int round = 1; round <= repeat; round++) {
				long[][] starts = measure(infrastructure, events);
				table.append(row(round + ", handler", starts[0])).append('\n');
				table.append(row(round + ", started_at", starts[1])).append('\n');
				System.out.println(table);
			}
		}
		if (!output.isEmpty()) {
			Files.writeString(Path.of(output), table.toString());
		}
	}

	private static long[][] measure(Infrastructure infrastructure, int events) throws Exception {
		Starts starts = new Starts(events);
		// A fresh prefix: new topics, consumer groups and throttle key for each round.
		Map<String, Object> properties = BackgroundJobsContender.properties(infrastructure.bootstrapServers(),
				infrastructure.jdbcUrl(SCHEMA), infrastructure.username(), infrastructure.password(),
				"bench-throttle-" + UUID.randomUUID().toString().substring(0, 8));
		// Two instances share the database with whatever else runs on it.
		properties.put("spring.datasource.hikari.maximum-pool-size", 6);
		List<ConfigurableApplicationContext> instances = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				instances.add(new SpringApplicationBuilder(ThrottledApplication.class).web(WebApplicationType.NONE)
					.properties(properties)
					.initializers((context) -> context.getBeanFactory().registerSingleton("starts", starts))
					.run());
			}
			JdbcClient.create(instances.get(0).getBean(DataSource.class))
				.sql("DELETE FROM bj_runs WHERE function_id = 'bench-throttled'")
				.update();
			// Both instances' consumers join their group before the burst.
			LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
			publish(instances.get(0).getBean(EventPublisher.class), events);
			long deadline = System.nanoTime() + Duration.ofSeconds(events / 100 + 120).toNanos();
			while (starts.count() < events) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Only " + starts.count() + " of " + events + " runs started");
				}
				LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
			}
			// The start each run recorded, in database time: what the throttle assigned,
			// plus the time to hand the run to a worker and mark it started.
			List<Long> recorded = JdbcClient.create(instances.get(0).getBean(DataSource.class))
				.sql("SELECT started_at FROM bj_runs WHERE function_id = 'bench-throttled' ORDER BY started_at")
				.query((rs, row) -> {
					Timestamp started = rs.getTimestamp(1);
					return started.getTime() * 1_000_000L + started.getNanos() % 1_000_000;
				})
				.list();
			return new long[][] { starts.sorted(), recorded.stream().mapToLong(Long::longValue).toArray() };
		}
		finally {
			instances.forEach(ConfigurableApplicationContext::close);
		}
	}

	private static void publish(EventPublisher publisher, int events) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> sent = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				int count = events / 8 + ((t < events % 8) ? 1 : 0);
				sent.add(threads.submit(() -> {
					for (int i = 0; i < count; i++) {
						publisher.send(EVENT, new Ping(System.nanoTime()));
					}
				}));
			}
			for (Future<?> future : sent) {
				future.get(5, TimeUnit.MINUTES);
			}
		}
		finally {
			threads.shutdownNow();
		}
	}

	private static String row(String round, long[] starts) {
		int n = starts.length;
		double seconds = (starts[n - 1] - starts[0]) / 1e9;
		long[] intervals = new long[n - 1];
		for (int i = 1; i < n; i++) {
			intervals[i - 1] = starts[i] - starts[i - 1];
		}
		Arrays.sort(intervals);
		return "| " + round + " | " + n + " | " + String.format("%.1f", (n - 1) / seconds) + " | "
				+ millis(percentile(intervals, 50)) + " | " + millis(percentile(intervals, 99)) + " | "
				+ millis(intervals[intervals.length - 1]) + " | " + mostWithin(starts, Duration.ofSeconds(1)) + " | "
				+ mostWithin(starts, Duration.ofMillis(100)) + " |";
	}

	private static long percentile(long[] sorted, int percent) {
		int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	private static String millis(long nanos) {
		return String.format("%.1f", nanos / 1e6);
	}

	/**
	 * Returns the most starts in any window of a length: a sliding window over the sorted
	 * start times.
	 */
	private static int mostWithin(long[] starts, Duration window) {
		int most = 0;
		int from = 0;
		for (int to = 0; to < starts.length; to++) {
			while (starts[to] - starts[from] >= window.toNanos()) {
				from++;
			}
			most = Math.max(most, to - from + 1);
		}
		return most;
	}

	private static String option(String[] args, String prefix, String fallback) {
		for (String arg : args) {
			if (arg.startsWith(prefix)) {
				return arg.substring(prefix.length());
			}
		}
		return fallback;
	}

	/**
	 * The start times the throttled handler records, shared by both instances (one JVM,
	 * one {@link System#nanoTime()}).
	 */
	static final class Starts {

		private final AtomicLongArray nanos;

		private final AtomicInteger count = new AtomicInteger();

		Starts(int expected) {
			this.nanos = new AtomicLongArray(expected);
		}

		void started() {
			long now = System.nanoTime();
			int index = this.count.getAndIncrement();
			if (index < this.nanos.length()) {
				this.nanos.set(index, now);
			}
		}

		int count() {
			return this.count.get();
		}

		long[] sorted() {
			long[] sorted = new long[Math.min(this.count.get(), this.nanos.length())];
			for (int i = 0; i < sorted.length; i++) {
				sorted[i] = this.nanos.get(i);
			}
			Arrays.sort(sorted);
			return sorted;
		}

	}

	/**
	 * The function: throttled at 100 starts per second, no burst; records its start.
	 */
	public static class ThrottledFunction {

		private final Starts starts;

		ThrottledFunction(Starts starts) {
			this.starts = starts;
		}

		/**
		 * Records the start of the run.
		 * @param event the event
		 */
		@EventHandler(id = "bench-throttled", event = EVENT, throttle = @Throttle(limit = 100, period = "1s"))
		public void throttled(Event<Ping> event) {
			this.starts.started();
		}

	}

	/**
	 * The application of each instance: the starter and the throttled function.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	public static class ThrottledApplication {

		@Bean
		ThrottledFunction throttledFunction(Starts starts) {
			return new ThrottledFunction(starts);
		}

	}

}
