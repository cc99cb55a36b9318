package dev.backgroundjobs.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * db-scheduler on PostgreSQL in the {@code bench_dbscheduler} schema, polling with
 * lock-and-fetch at a short interval, with as many executor threads as background-jobs
 * has workers.
 */
public final class DbSchedulerContender implements Contender {

	/**
	 * The schema db-scheduler stores its executions in.
	 */
	public static final String SCHEMA = "bench_dbscheduler";

	/**
	 * The polling interval.
	 */
	public static final Duration POLLING_INTERVAL = Duration.ofMillis(50);

	/**
	 * Executor threads, as many as background-jobs' default worker concurrency.
	 */
	public static final int THREADS = 32;

	private static final String CREATE_TABLE = """
			CREATE TABLE IF NOT EXISTS scheduled_tasks (
				task_name TEXT NOT NULL,
				task_instance TEXT NOT NULL,
				task_data BYTEA,
				execution_time TIMESTAMP WITH TIME ZONE NOT NULL,
				picked BOOLEAN NOT NULL,
				picked_by TEXT,
				last_success TIMESTAMP WITH TIME ZONE,
				last_failure TIMESTAMP WITH TIME ZONE,
				consecutive_failures INT,
				last_heartbeat TIMESTAMP WITH TIME ZONE,
				version BIGINT NOT NULL,
				priority SMALLINT,
				PRIMARY KEY (task_name, task_instance)
			)
			""";

	private static final String CREATE_STEPS_TABLE = """
			CREATE TABLE IF NOT EXISTS bench_steps (
				task_instance TEXT NOT NULL,
				step_id TEXT NOT NULL,
				PRIMARY KEY (task_instance, step_id)
			)
			""";

	private static final String INSERT_STEP = "INSERT INTO bench_steps (task_instance, step_id) VALUES (:id, :step)";

	private final JdbcClient jdbc;

	private final OneTimeTask<Long> accepted;

	private final OneTimeTask<Long> oneStep;

	private final OneTimeTask<Long> threeSteps;

	private final OneTimeTask<Long> pickup;

	static final String CREATE_ORDERS_TABLE = "CREATE TABLE IF NOT EXISTS bench_orders (id VARCHAR(36) PRIMARY KEY)";

	static final String INSERT_ORDER = "INSERT INTO bench_orders (id) VALUES (:id)";

	private final DataSource dataSource;

	private final SchedulerClient transactionalClient;

	private final TransactionTemplate transactions;

	private final SchedulerClient client;

	private @Nullable Scheduler scheduler;

	/**
	 * Creates the tables and starts the scheduler.
	 * @param infrastructure the database
	 * @param probe receives what the tasks report
	 */
	public DbSchedulerContender(Infrastructure infrastructure, Probe probe) {
		this(infrastructure.dataSource(SCHEMA, 10), probe);
	}

	/**
	 * Creates the tables unless they exist and starts the scheduler.
	 * @param dataSource the database, a pool of 10 connections
	 * @param probe receives what the tasks report
	 */
	DbSchedulerContender(DataSource dataSource, Probe probe) {
		this.dataSource = dataSource;
		this.jdbc = JdbcClient.create(this.dataSource);
		this.jdbc.sql(CREATE_TABLE).update();
		this.jdbc.sql("CREATE INDEX IF NOT EXISTS execution_time_idx ON scheduled_tasks (execution_time)").update();
		this.jdbc.sql("CREATE INDEX IF NOT EXISTS last_heartbeat_idx ON scheduled_tasks (last_heartbeat)").update();
		this.jdbc.sql(CREATE_STEPS_TABLE).update();
		this.jdbc.sql(CREATE_ORDERS_TABLE).update();
		clear();
		this.accepted = Tasks.oneTime("accepted", Long.class).execute((instance, context) -> {
		});
		this.oneStep = Tasks.oneTime("one-step", Long.class).execute((instance, context) -> probe.finished());
		this.threeSteps = Tasks.oneTime("three-steps", Long.class).execute((instance, context) -> {
			// Three checkpoints, each durable on its own, like three step.run calls.
			for (String step : new String[] { "first", "second", "third" }) {
				this.jdbc.sql(INSERT_STEP).param("id", instance.getId()).param("step", step).update();
			}
			probe.finished();
		});
		this.pickup = Tasks.oneTime("pickup", Long.class).execute((instance, context) -> {
			probe.started(instance.getData());
			probe.finished();
		});
		// Submits go through a client of their own, which works whether or not a
		// scheduler runs; a scheduler schedules through the same kind of client.
		this.client = SchedulerClient.Builder
			.create(this.dataSource, this.accepted, this.oneStep, this.threeSteps, this.pickup)
			.build();
		// db-scheduler joins a Spring transaction through a transaction-aware DataSource,
		// as its Spring Boot starter sets it up.
		this.transactionalClient = SchedulerClient.Builder
			.create(new TransactionAwareDataSourceProxy(this.dataSource), this.oneStep, this.threeSteps, this.pickup)
			.build();
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
		startWorkers();
	}

	@Override
	public String name() {
		return "db-scheduler";
	}

	@Override
	public void accept() {
		this.client.schedule(this.accepted.instance(UUID.randomUUID().toString(), System.nanoTime()),
				Instant.now().plusSeconds(3600));
	}

	@Override
	public void submit(WorkKind kind, long sentNanos) {
		OneTimeTask<Long> task = switch (kind) {
			case ONE_STEP -> this.oneStep;
			case THREE_STEPS -> this.threeSteps;
			case PICKUP -> this.pickup;
		};
		this.client.schedule(task.instance(UUID.randomUUID().toString(), sentNanos), Instant.now());
	}

	@Override
	public boolean submitInTransaction(WorkKind kind, long sentNanos) {
		OneTimeTask<Long> task = switch (kind) {
			case ONE_STEP -> this.oneStep;
			case THREE_STEPS -> this.threeSteps;
			case PICKUP -> this.pickup;
		};
		this.transactions.executeWithoutResult((status) -> {
			String id = UUID.randomUUID().toString();
			this.jdbc.sql(INSERT_ORDER).param("id", id).update();
			this.transactionalClient.schedule(task.instance(id, sentNanos), Instant.now());
		});
		return true;
	}

	@Override
	public boolean submitBatch(int count, long sentNanos) {
		List<TaskInstance<?>> instances = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			instances.add(this.oneStep.instance(UUID.randomUUID().toString(), sentNanos));
		}
		this.client.scheduleBatch(instances, Instant.now());
		return true;
	}

	@Override
	public synchronized void stopWorkers() {
		if (this.scheduler != null) {
			this.scheduler.stop();
			this.scheduler = null;
		}
	}

	/**
	 * Starts a new scheduler: a stopped one cannot be started again.
	 */
	@Override
	public synchronized void startWorkers() {
		if (this.scheduler != null) {
			return;
		}
		Scheduler scheduler = Scheduler
			.create(this.dataSource, this.accepted, this.oneStep, this.threeSteps, this.pickup)
			.threads(THREADS)
			.pollingInterval(POLLING_INTERVAL)
			.pollUsingLockAndFetch(0.5, 1.0)
			.build();
		scheduler.start();
		this.scheduler = scheduler;
	}

	@Override
	public long unfinished() {
		return this.jdbc.sql("SELECT COUNT(*) FROM scheduled_tasks").query(Long.class).single();
	}

	@Override
	public void clear() {
		this.jdbc.sql("DELETE FROM scheduled_tasks").update();
		this.jdbc.sql("DELETE FROM bench_steps").update();
		this.jdbc.sql("DELETE FROM bench_orders").update();
		Infrastructure.vacuum(this.jdbc);
	}

	@Override
	public void close() {
		stopWorkers();
		Infrastructure.close(this.dataSource);
	}

}
