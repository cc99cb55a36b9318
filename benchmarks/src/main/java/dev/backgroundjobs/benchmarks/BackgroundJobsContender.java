package dev.backgroundjobs.benchmarks;

import java.util.ArrayList;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.kafka.FunctionConsumers;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * background-jobs with its default settings, started as a Spring Boot application on the
 * benchmark's broker and the {@code bj_bench} schema. With a separate publisher, events
 * are published by a second instance that has no functions, so each run crosses from one
 * instance to the other.
 */
public final class BackgroundJobsContender implements Contender {

	/**
	 * The schema background-jobs stores its runs in.
	 */
	public static final String SCHEMA = "bj_bench";

	private final String name;

	private final ConfigurableApplicationContext worker;

	private final ConfigurableApplicationContext publisherContext;

	private final EventPublisher publisher;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final JdbcClient publisherJdbc;

	private final FunctionConsumers consumers;

	private final AtomicInteger acceptTargets = new AtomicInteger();

	private volatile String acceptedEvent = "bench.accepted";

	/**
	 * Starts background-jobs on the benchmark's in-JVM broker, with a topic prefix of its
	 * own.
	 * @param infrastructure the broker and database
	 * @param probe receives what the handlers report
	 * @param separatePublisher whether events are published on a second instance
	 */
	public BackgroundJobsContender(Infrastructure infrastructure, Probe probe, boolean separatePublisher) {
		this(separatePublisher ? "background-jobs, 2 instances" : "background-jobs",
				properties(infrastructure.bootstrapServers(), infrastructure.jdbcUrl(SCHEMA), infrastructure.username(),
						infrastructure.password(), "bench-" + UUID.randomUUID().toString().substring(0, 8)),
				probe, separatePublisher);
	}

	/**
	 * Starts background-jobs with the given Spring properties.
	 * @param name the name in the results
	 * @param properties the properties, see {@link #properties}
	 * @param probe receives what the handlers report
	 * @param separatePublisher whether events are published on a second instance
	 */
	BackgroundJobsContender(String name, Map<String, Object> properties, Probe probe, boolean separatePublisher) {
		this.name = name;
		this.worker = new SpringApplicationBuilder(BenchApplication.class).web(WebApplicationType.NONE)
			.properties(properties)
			.initializers((context) -> context.getBeanFactory().registerSingleton("probe", probe))
			.run();
		this.publisherContext = separatePublisher
				? new SpringApplicationBuilder(BenchApplication.PublisherOnly.class).web(WebApplicationType.NONE)
					.properties(properties)
					.run()
				: this.worker;
		this.publisher = this.publisherContext.getBean(EventPublisher.class);
		this.jdbc = JdbcClient.create(this.worker.getBean(DataSource.class));
		this.jdbc.sql(DbSchedulerContender.CREATE_ORDERS_TABLE).update();
		DataSource publisherDataSource = this.publisherContext.getBean(DataSource.class);
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(publisherDataSource));
		this.publisherJdbc = JdbcClient.create(publisherDataSource);
		this.consumers = this.worker.getBean(FunctionConsumers.class);
		clear();
	}

	/**
	 * Returns the properties of an instance: the starter's defaults on the given broker
	 * and database. Instances with the same prefix share topics and consumer groups.
	 * @param bootstrapServers the broker
	 * @param jdbcUrl the database, with the schema
	 * @param username the database user
	 * @param password the database password
	 * @param prefix the topic prefix and application name
	 * @return the properties
	 */
	static Map<String, Object> properties(String bootstrapServers, String jdbcUrl, String username, String password,
			String prefix) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.kafka.bootstrap-servers", bootstrapServers);
		properties.put("spring.datasource.url", jdbcUrl);
		properties.put("spring.datasource.username", username);
		properties.put("spring.datasource.password", password);
		properties.put("spring.application.name", prefix);
		properties.put("background-jobs.kafka.topic-prefix", prefix);
		properties.put("background-jobs.jdbc.initialize-schema", "always");
		properties.put("spring.main.banner-mode", "off");
		return properties;
	}

	/**
	 * Sends the event inside a transaction that also inserts an order row: through the
	 * transactional outbox, relayed after the commit.
	 */
	@Override
	public boolean submitInTransaction(WorkKind kind, long sentNanos) {
		String event = switch (kind) {
			case ONE_STEP -> BenchFunctions.ONE_STEP;
			case THREE_STEPS -> BenchFunctions.THREE_STEPS;
			case PICKUP -> BenchFunctions.PICKUP;
		};
		this.transactions.executeWithoutResult((status) -> {
			this.publisherJdbc.sql(DbSchedulerContender.INSERT_ORDER)
				.param("id", UUID.randomUUID().toString())
				.update();
			this.publisher.send(event, new Ping(sentNanos));
		});
		return true;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public void accept() {
		// No function listens to this event: only the durable send is measured.
		this.publisher.send(this.acceptedEvent, new Ping(System.nanoTime()));
	}

	@Override
	public void beforeFirstAccept() {
		this.acceptedEvent = "bench.accepted-" + this.acceptTargets.incrementAndGet();
	}

	@Override
	public void submit(WorkKind kind, long sentNanos) {
		String event = switch (kind) {
			case ONE_STEP -> BenchFunctions.ONE_STEP;
			case THREE_STEPS -> BenchFunctions.THREE_STEPS;
			case PICKUP -> BenchFunctions.PICKUP;
		};
		this.publisher.send(event, new Ping(sentNanos));
	}

	/**
	 * Submits one event to the function with a concurrency key (W2 with a key).
	 * @param key the value of its key
	 * @param sentNanos {@link System#nanoTime()} when submitting began
	 */
	public void submitKeyed(String key, long sentNanos) {
		this.publisher.send(BenchFunctions.ONE_STEP_PER_KEY, new KeyedPing(sentNanos, key));
	}

	@Override
	public boolean submitBatch(int count, long sentNanos) {
		List<Event<Ping>> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			events.add(Event.of(BenchFunctions.ONE_STEP, new Ping(sentNanos)));
		}
		this.publisher.sendAll(events);
		return true;
	}

	/**
	 * Publishes an event whose run parks in a durable sleep of an hour (W5).
	 */
	public void park() {
		this.publisher.send(BenchFunctions.NAP, new Ping(System.nanoTime()));
	}

	/**
	 * Counts the runs parked in a durable sleep.
	 * @return the sleeping runs
	 */
	public long parked() {
		return this.jdbc.sql("SELECT COUNT(*) FROM bj_runs WHERE status = 'SLEEPING'").query(Long.class).single();
	}

	/**
	 * Stops the function consumers, so that events stay on their topics; the engine keeps
	 * running.
	 */
	@Override
	public void stopWorkers() {
		// Offsets are committed every 200 ms: waiting longer than that before stopping
		// keeps the records of the workload before from being delivered again.
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
		this.consumers.stop();
	}

	/**
	 * Starts the function consumers: each joins its group again and reads from the
	 * committed offsets.
	 */
	@Override
	public void startWorkers() {
		this.consumers.start();
	}

	@Override
	public long unfinished() {
		return this.jdbc.sql("SELECT COUNT(*) FROM bj_runs WHERE status <> 'COMPLETED'").query(Long.class).single();
	}

	@Override
	public void clear() {
		List<String> tables = List.of("bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits", "bj_runs",
				"bj_concurrency_keys", "bj_outbox", "bench_orders");
		for (String table : tables) {
			this.jdbc.sql("DELETE FROM " + table).update();
		}
		Infrastructure.vacuum(this.jdbc);
	}

	@Override
	public void close() {
		if (this.publisherContext != this.worker) {
			this.publisherContext.close();
		}
		this.worker.close();
	}

}
