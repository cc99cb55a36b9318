package dev.backgroundjobs.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The system in production shape: a broker process, the database behind a
 * {@link FaultProxy}, and app processes, each start with an instance id of its own.
 */
final class Cluster implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

	private final FaultDatabase database;

	private final FaultProxy proxy;

	private final KafkaBroker broker;

	private final HikariDataSource direct;

	private final List<AppProcess> apps = new CopyOnWriteArrayList<>();

	private final Set<String> crashed = ConcurrentHashMap.newKeySet();

	private int started;

	private int generation = 1;

	Cluster(FaultDatabase database) {
		this.database = database;
		database.recreate();
		this.proxy = new FaultProxy("127.0.0.1", database.port());
		this.broker = new KafkaBroker();
		this.direct = database.directPool();
	}

	FaultDatabase database() {
		return this.database;
	}

	FaultProxy proxy() {
		return this.proxy;
	}

	KafkaBroker broker() {
		return this.broker;
	}

	/**
	 * Returns a pool straight to the database, for the checker.
	 * @return the data source
	 */
	HikariDataSource direct() {
		return this.direct;
	}

	/**
	 * Starts from nothing: stops every app, drops every table and moves to new topics and
	 * consumer groups, so what a scenario left behind cannot touch the next one.
	 */
	void reset() {
		stopApps();
		this.database.recreate();
		this.generation++;
	}

	/**
	 * Returns the topic prefix of the apps, new after each {@link #reset()}.
	 * @return the prefix
	 */
	String topicPrefix() {
		return "faults-" + this.generation;
	}

	/**
	 * Starts app processes in parallel and waits until each answers on HTTP.
	 * @param count how many
	 * @param settings their settings
	 * @return the started apps
	 */
	List<AppProcess> startApps(int count, AppSettings settings) {
		List<AppProcess> started = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			started.add(launch(settings));
		}
		started.forEach((app) -> app.awaitStarted(START_TIMEOUT));
		this.apps.addAll(started);
		return started;
	}

	/**
	 * Starts one app process and waits until it answers on HTTP.
	 * @param settings its settings
	 * @return the app
	 */
	AppProcess startApp(AppSettings settings) {
		return startApps(1, settings).get(0);
	}

	private synchronized AppProcess launch(AppSettings settings) {
		this.started++;
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", this.database.url(this.proxy.port()));
		properties.put("spring.datasource.username", this.database.username());
		properties.put("faults.ledger-url", this.database.url(this.database.port()));
		properties.put("spring.kafka.bootstrap-servers", this.broker.bootstrapServers());
		properties.put("background-jobs.kafka.topic-prefix", topicPrefix());
		properties.putAll(settings.properties());
		return AppProcess.start("app-" + this.started, properties, settings.jvmArgs());
	}

	/**
	 * Returns the apps that are running.
	 * @return the apps
	 */
	List<AppProcess> apps() {
		return this.apps.stream().filter(AppProcess::isAlive).toList();
	}

	AppProcess randomApp() {
		List<AppProcess> alive = apps();
		return alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
	}

	/**
	 * Kills an app at once, as {@code kill -9} does, and remembers it crashed.
	 * @param app the app
	 */
	void kill(AppProcess app) {
		this.crashed.add(app.instanceId());
		app.kill();
		this.apps.remove(app);
	}

	/**
	 * Stops an app gracefully.
	 * @param app the app
	 */
	void stop(AppProcess app) {
		app.stop();
		this.apps.remove(app);
	}

	/**
	 * Stops every app gracefully.
	 */
	void stopApps() {
		List<AppProcess> running = new ArrayList<>(this.apps);
		running.parallelStream().forEach(AppProcess::stop);
		this.apps.removeAll(running);
	}

	/**
	 * Returns the instance ids of the apps killed so far.
	 * @return the ids
	 */
	Set<String> crashed() {
		return this.crashed;
	}

	@Override
	public void close() {
		stopApps();
		this.broker.close();
		this.proxy.close();
		this.direct.close();
	}

}
