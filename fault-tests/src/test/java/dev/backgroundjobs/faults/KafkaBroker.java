package dev.backgroundjobs.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

import org.springframework.util.FileSystemUtils;

import static org.awaitility.Awaitility.await;

/**
 * A combined KRaft broker and controller in a JVM of its own, so it can be killed and
 * restarted on the same ports and log directory. Public, and packaged in this module's
 * test jar, so that the benchmarks module runs the same broker.
 */
public final class KafkaBroker implements AutoCloseable {

	private final int port;

	private final Path directory;

	private final Path config;

	private int starts;

	private JavaProcess process;

	/**
	 * Formats a new log directory and writes the broker's configuration; does not start
	 * it.
	 */
	public KafkaBroker() {
		this.port = freePort();
		int controllerPort = freePort();
		this.directory = Path.of("target", "fault-kafka").toAbsolutePath();
		this.config = this.directory.resolve("server.properties");
		try {
			FileSystemUtils.deleteRecursively(this.directory);
			Files.createDirectories(this.directory);
			Files.writeString(this.config,
					String.join("\n", "process.roles=broker,controller", "node.id=1",
							"controller.quorum.voters=1@127.0.0.1:" + controllerPort,
							"listeners=PLAINTEXT://127.0.0.1:" + this.port + ",CONTROLLER://127.0.0.1:"
									+ controllerPort,
							"advertised.listeners=PLAINTEXT://127.0.0.1:" + this.port,
							"controller.listener.names=CONTROLLER",
							"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
							"inter.broker.listener.name=PLAINTEXT", "log.dirs=" + this.directory.resolve("logs"),
							"num.partitions=6", "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=6",
							"transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
							"group.initial.rebalance.delay.ms=0", "auto.create.topics.enable=false", ""));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		JavaProcess format = JavaProcess.start("kafka-format", List.of("-Xmx256m"), "kafka.tools.StorageTool",
				List.of("format", "-t", Uuid.randomUuid().toString(), "-c", this.config.toString()));
		if (!format.waitFor(60) || format.exitValue() != 0) {
			throw new IllegalStateException("Could not format the Kafka log directory: see target/fault-logs");
		}
	}

	/**
	 * Returns the broker's bootstrap servers.
	 * @return the bootstrap servers
	 */
	public String bootstrapServers() {
		return "127.0.0.1:" + this.port;
	}

	/**
	 * Starts the broker and waits until it answers.
	 */
	public void start() {
		this.starts++;
		this.process = JavaProcess.start("kafka-" + this.starts, List.of("-Xmx512m", "-XX:+UseSerialGC"), "kafka.Kafka",
				List.of(this.config.toString()));
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(this::answers);
	}

	/**
	 * Kills the broker at once, as {@code kill -9} does.
	 */
	public void kill() {
		if (this.process != null) {
			this.process.kill();
		}
	}

	/**
	 * Returns whether the broker's process is running.
	 * @return whether it is
	 */
	public boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * Returns the operating system's id of the broker's process.
	 * @return the pid
	 * @throws IllegalStateException if the broker was never started
	 */
	public long pid() {
		if (this.process == null) {
			throw new IllegalStateException("The Kafka broker was not started");
		}
		return this.process.pid();
	}

	private boolean answers() {
		if (!this.process.isAlive()) {
			throw new IllegalStateException(
					"The Kafka broker ended: see target/fault-logs/kafka-" + this.starts + ".log");
		}
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
				AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
				3000))) {
			admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes().get(4, TimeUnit.SECONDS);
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

	/**
	 * Returns a TCP port that is free now.
	 * @return the port
	 */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		if (this.process != null) {
			this.process.stop(20);
		}
	}

}
