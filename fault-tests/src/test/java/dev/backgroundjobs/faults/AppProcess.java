package dev.backgroundjobs.faults;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * One app process ({@code FaultApp}) with its instance id and HTTP port.
 */
final class AppProcess {

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	/**
	 * How long to wait for the health endpoint: longer than the 3 s the starter's health
	 * indicator allows the broker, so a DOWN for an unreachable broker is seen.
	 */
	private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(10);

	private final String instanceId;

	private final int port;

	private final JavaProcess process;

	private AppProcess(String instanceId, int port, JavaProcess process) {
		this.instanceId = instanceId;
		this.port = port;
		this.process = process;
	}

	/**
	 * Starts an app; does not wait for it.
	 * @param instanceId the instance id, unique per start
	 * @param properties the Spring properties
	 * @param jvmArgs the options of the JVM
	 * @return the process
	 */
	static AppProcess start(String instanceId, Map<String, String> properties, List<String> jvmArgs) {
		int port = KafkaBroker.freePort();
		List<String> args = new ArrayList<>();
		args.add("--server.port=" + port);
		args.add("--background-jobs.instance-id=" + instanceId);
		properties.forEach((key, value) -> args.add("--" + key + "=" + value));
		List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
		jvm.addAll(jvmArgs);
		JavaProcess process = JavaProcess.start(instanceId, jvm, "dev.backgroundjobs.faults.app.FaultApp", args);
		return new AppProcess(instanceId, port, process);
	}

	String instanceId() {
		return this.instanceId;
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Waits until the application context has started (its health may be DOWN).
	 * @param timeout how long to wait
	 */
	void awaitStarted(Duration timeout) {
		await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						this.instanceId + " ended at start-up: see target/fault-logs/" + this.instanceId + ".log");
			}
			return this.process.logContains("Started FaultApp");
		});
	}

	/**
	 * Kills the app at once, as {@code kill -9} does.
	 */
	void kill() {
		this.process.kill();
	}

	/**
	 * Stops the app gracefully (SIGTERM), killing it if it takes over a minute.
	 */
	void stop() {
		this.process.stop(60);
	}

	/**
	 * Reads the health of the app's {@code jobs} contributor: the starter's, which bounds
	 * its database and broker checks. Boot's own {@code db} contributor, part of the
	 * aggregate {@code /actuator/health}, waits for the pool's connection timeout (30 s
	 * by default) and hangs on a black-holed connection, so the aggregate may time out
	 * instead of answering DOWN during a database outage.
	 * @return the health
	 */
	Health health() {
		HttpRequest request = HttpRequest.newBuilder(uri("/actuator/health/jobs")).timeout(HEALTH_TIMEOUT).build();
		try {
			HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
			// Boot answers 200 when the status is UP, 503 when it is DOWN or
			// OUT_OF_SERVICE.
			return (response.statusCode() == 200) ? Health.UP : Health.DOWN;
		}
		catch (java.net.http.HttpTimeoutException ex) {
			return Health.TIMEOUT;
		}
		catch (IOException ex) {
			return Health.UNREACHABLE;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Health.UNREACHABLE;
		}
	}

	/**
	 * Sends events through the app's {@code EventPublisher}.
	 * @param name the event name
	 * @param count how many
	 * @param options more request parameters ({@code text}, {@code mode}, {@code id},
	 * {@code timestamp})
	 * @return the answer, one line per event ({@code <id> <micros>}), then
	 * {@code error <micros> <message>} if a send failed
	 * @throws IOException if the app did not answer
	 * @throws InterruptedException if interrupted
	 */
	String send(String name, int count, Map<String, String> options) throws IOException, InterruptedException {
		StringBuilder query = new StringBuilder("/send?name=").append(encode(name)).append("&count=").append(count);
		options.forEach((key, value) -> query.append('&').append(key).append('=').append(encode(value)));
		HttpRequest request = HttpRequest.newBuilder(uri(query.toString()))
			.timeout(Duration.ofMinutes(5))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build();
		HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IOException(this.instanceId + " answered " + response.statusCode() + ": " + response.body());
		}
		return response.body();
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	/**
	 * What the health endpoint answered.
	 */
	enum Health {

		UP, DOWN, TIMEOUT, UNREACHABLE

	}

}
