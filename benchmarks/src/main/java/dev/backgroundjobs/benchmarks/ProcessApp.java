package dev.backgroundjobs.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.backgroundjobs.benchmarks.Contender.WorkKind;

/**
 * One app process of the production shape ({@link ProcessShape}): a system under test
 * with a {@link Probe} of its own, driven over plain HTTP on a loopback port. Every
 * request answers once its work is done, in plain text.
 * <p>
 * Arguments: {@code --system=background-jobs|db-scheduler}, {@code --control-port=N},
 * {@code --jdbc-url=URL} (with its schema), {@code --username=U}, {@code --password=P},
 * and for background-jobs {@code --bootstrap-servers=HOST:PORT} and
 * {@code --topic-prefix=P} (the same in every process, so they share topics and consumer
 * groups).
 */
public final class ProcessApp {

	private final Contender contender;

	private final Probe probe;

	private ProcessApp(Contender contender, Probe probe) {
		this.contender = contender;
		this.probe = probe;
	}

	/**
	 * Starts the system, then answers on the control port.
	 * @param args the arguments
	 * @throws IOException if the control port cannot be bound
	 */
	public static void main(String[] args) throws IOException {
		Map<String, String> options = new HashMap<>();
		for (String arg : args) {
			int equals = arg.indexOf('=');
			options.put(arg.substring(2, equals), arg.substring(equals + 1));
		}
		Probe probe = new Probe();
		Contender contender = start(options, probe);
		Runtime.getRuntime().addShutdownHook(new Thread(contender::close, "bench-close"));
		ProcessApp app = new ProcessApp(contender, probe);
		HttpServer server = HttpServer.create(
				new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(options.get("control-port"))),
				0);
		server.createContext("/", app::handle);
		server.setExecutor(Executors.newFixedThreadPool(2));
		server.start();
		System.out.println("Ready: " + contender.name());
	}

	private static Contender start(Map<String, String> options, Probe probe) {
		String system = options.get("system");
		if (Benchmark.BACKGROUND_JOBS.equals(system)) {
			return new BackgroundJobsContender(Benchmark.BACKGROUND_JOBS,
					BackgroundJobsContender.properties(options.get("bootstrap-servers"), options.get("jdbc-url"),
							options.get("username"), options.get("password"), options.get("topic-prefix")),
					probe, false);
		}
		if ("db-scheduler".equals(system)) {
			HikariConfig config = new HikariConfig();
			config.setJdbcUrl(options.get("jdbc-url"));
			config.setUsername(options.get("username"));
			config.setPassword(options.get("password"));
			config.setMaximumPoolSize(10);
			return new DbSchedulerContender(new HikariDataSource(config), probe);
		}
		throw new IllegalArgumentException("No app process for system '" + system + "'");
	}

	private void handle(HttpExchange exchange) throws IOException {
		String answer;
		int status = 200;
		try {
			answer = answer(exchange.getRequestURI().getPath(), query(exchange.getRequestURI().getRawQuery()));
		}
		catch (RuntimeException ex) {
			StringWriter trace = new StringWriter();
			ex.printStackTrace(new PrintWriter(trace));
			answer = trace.toString();
			status = 500;
		}
		byte[] body = answer.getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	private String answer(String path, Map<String, String> query) {
		switch (path) {
			case "/nanotime":
				return Long.toString(System.nanoTime());
			case "/stop-workers":
				this.contender.stopWorkers();
				return "stopped";
			case "/start-workers":
				this.contender.startWorkers();
				return "started";
			case "/clear":
				this.contender.clear();
				return "cleared";
			case "/reset":
				this.probe.reset(Integer.parseInt(query.get("pickups")));
				return "reset";
			case "/finished":
				return Long.toString(this.probe.finishedCount());
			case "/unfinished":
				return Long.toString(this.contender.unfinished());
			case "/pickups":
				return lines(this.probe.pickupLatencies());
			case "/submit":
				submit(WorkKind.valueOf(query.get("kind")), Integer.parseInt(query.get("count")),
						Integer.parseInt(query.get("threads")));
				return "submitted";
			case "/publish":
				return lines(publish(Integer.parseInt(query.get("rate")), Integer.parseInt(query.get("count"))));
			default:
				throw new IllegalArgumentException("Unknown command " + path);
		}
	}

	/**
	 * Submits {@code count} units of work from {@code threads} threads, as W2 does.
	 */
	private void submit(WorkKind kind, int count, int threads) {
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			Future<?>[] futures = new Future<?>[threads];
			for (int i = 0; i < threads; i++) {
				futures[i] = executor.submit(() -> {
					for (int j = 0; j < count / threads; j++) {
						this.contender.submit(kind, System.nanoTime());
					}
				});
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException("A submitting thread failed", ex);
		}
		finally {
			executor.shutdown();
		}
	}

	/**
	 * Publishes pickup work on a fixed schedule from this thread, as W4 does.
	 * @return how long each publish call took, in nanoseconds
	 */
	private long[] publish(int rate, int count) {
		long[] nanos = new long[count];
		long period = TimeUnit.SECONDS.toNanos(1) / rate;
		long start = System.nanoTime();
		for (int i = 0; i < count; i++) {
			long wait = start + i * period - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			long sent = System.nanoTime();
			this.contender.submit(WorkKind.PICKUP, sent);
			nanos[i] = System.nanoTime() - sent;
		}
		return nanos;
	}

	private static String lines(long[] values) {
		return LongStream.of(values).mapToObj(Long::toString).collect(Collectors.joining("\n"));
	}

	private static Map<String, String> query(String raw) {
		Map<String, String> query = new HashMap<>();
		if (raw != null) {
			for (String pair : raw.split("&")) {
				int equals = pair.indexOf('=');
				query.put(pair.substring(0, equals), pair.substring(equals + 1));
			}
		}
		return query;
	}

}
