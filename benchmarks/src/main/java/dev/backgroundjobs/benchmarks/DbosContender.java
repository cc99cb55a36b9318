package dev.backgroundjobs.benchmarks;

import java.time.Duration;

import javax.sql.DataSource;

import dev.dbos.transact.DBOS;
import dev.dbos.transact.DBOSClient;
import dev.dbos.transact.DBOSClient.EnqueueOptions;
import dev.dbos.transact.config.DBOSConfig;
import dev.dbos.transact.workflow.Queue;
import dev.dbos.transact.workflow.Workflow;
import dev.dbos.transact.workflow.WorkflowClassName;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * DBOS Transact for Java with its system database in the {@code bench_dbos} schema:
 * workflows on one durable queue, each step checkpointed with {@code runStep}. Work is
 * enqueued through a {@link DBOSClient}, which writes the queue without executing
 * anything, and executed by a launched {@link DBOS} instance; stopping the workers shuts
 * that instance down, starting them launches a new one.
 */
public final class DbosContender implements Contender {

	/**
	 * The schema DBOS keeps its system tables in.
	 */
	public static final String SCHEMA = "bench_dbos";

	/**
	 * The queue every workflow is enqueued on.
	 */
	public static final String QUEUE = "bench";

	/**
	 * Workflows one instance runs at once: as many as the threads of its executor, which
	 * on Java 17 is a fixed pool of 50 threads per core.
	 */
	public static final int WORKER_CONCURRENCY = 100;

	/**
	 * How often the queue is polled: the default is 1 s.
	 */
	public static final Duration POLLING_INTERVAL = Duration.ofMillis(50);

	private static final String CLASS_NAME = "bench";

	private final DataSource dataSource;

	private final Probe probe;

	private final JdbcClient jdbc;

	private final DBOSClient client;

	private @Nullable DBOS dbos;

	/**
	 * Launches DBOS.
	 * @param infrastructure the database
	 * @param probe receives what the workflows report
	 */
	public DbosContender(Infrastructure infrastructure, Probe probe) {
		this.dataSource = infrastructure.dataSource(SCHEMA, 10);
		this.probe = probe;
		this.jdbc = JdbcClient.create(this.dataSource);
		startWorkers();
		this.client = new DBOSClient(this.dataSource, SCHEMA);
		clear();
	}

	@Override
	public String name() {
		return "DBOS";
	}

	@Override
	public void accept() {
		// Delayed by an hour, so nothing runs during the workload.
		this.client.enqueueWorkflow(options("accepted").withDelay(Duration.ofHours(1)),
				new Object[] { System.nanoTime() });
	}

	@Override
	public void submit(WorkKind kind, long sentNanos) {
		String workflow = switch (kind) {
			case ONE_STEP -> "oneStep";
			case THREE_STEPS -> "threeSteps";
			case PICKUP -> "pickup";
		};
		this.client.enqueueWorkflow(options(workflow), new Object[] { sentNanos });
	}

	private static EnqueueOptions options(String workflow) {
		return new EnqueueOptions(workflow, CLASS_NAME, QUEUE);
	}

	@Override
	public synchronized void stopWorkers() {
		if (this.dbos != null) {
			this.dbos.close();
			this.dbos = null;
		}
	}

	@Override
	public synchronized void startWorkers() {
		if (this.dbos != null) {
			return;
		}
		DBOSConfig config = DBOSConfig.defaults("background-jobs-bench")
			.withDataSource(this.dataSource)
			.withDatabaseSchema(SCHEMA)
			.disableAdminServer();
		DBOS dbos = new DBOS(config);
		dbos.registerQueue(
				new Queue(QUEUE).withWorkerConcurrency(WORKER_CONCURRENCY).withPollingInterval(POLLING_INTERVAL));
		dbos.registerProxy(BenchWorkflows.class, new BenchWorkflowsImpl(dbos, this.probe));
		dbos.launch();
		this.dbos = dbos;
	}

	@Override
	public long unfinished() {
		return this.jdbc.sql("SELECT COUNT(*) FROM " + SCHEMA + ".workflow_status WHERE status <> 'SUCCESS'")
			.query(Long.class)
			.single();
	}

	@Override
	public void clear() {
		// Steps and every other per-workflow row go with it (ON DELETE CASCADE).
		this.jdbc.sql("DELETE FROM " + SCHEMA + ".workflow_status").update();
		Infrastructure.vacuum(this.jdbc);
	}

	@Override
	public void close() {
		stopWorkers();
		this.client.close();
		Infrastructure.close(this.dataSource);
	}

	/**
	 * The workflows of the workloads, called through the proxy DBOS makes of them.
	 */
	public interface BenchWorkflows {

		/**
		 * W1: never runs during the workload.
		 * @param sentNanos when it was enqueued
		 */
		void accepted(long sentNanos);

		/**
		 * W2: one no-op step.
		 * @param sentNanos when it was enqueued
		 */
		void oneStep(long sentNanos);

		/**
		 * W3: three no-op steps.
		 * @param sentNanos when it was enqueued
		 */
		void threeSteps(long sentNanos);

		/**
		 * W4: reports its start, then one no-op step.
		 * @param sentNanos when it was enqueued
		 */
		void pickup(long sentNanos);

	}

	/**
	 * The same no-op work as {@link BenchFunctions}, each step checkpointed by DBOS.
	 */
	@WorkflowClassName(CLASS_NAME)
	public static class BenchWorkflowsImpl implements BenchWorkflows {

		private final DBOS dbos;

		private final Probe probe;

		BenchWorkflowsImpl(DBOS dbos, Probe probe) {
			this.dbos = dbos;
			this.probe = probe;
		}

		@Override
		@Workflow(name = "accepted")
		public void accepted(long sentNanos) {
		}

		@Override
		@Workflow(name = "oneStep")
		public void oneStep(long sentNanos) {
			this.dbos.runStep(() -> {
			}, "noop");
			this.probe.finished();
		}

		@Override
		@Workflow(name = "threeSteps")
		public void threeSteps(long sentNanos) {
			this.dbos.runStep(() -> {
			}, "first");
			this.dbos.runStep(() -> {
			}, "second");
			this.dbos.runStep(() -> {
			}, "third");
			this.probe.finished();
		}

		@Override
		@Workflow(name = "pickup")
		public void pickup(long sentNanos) {
			this.probe.started(sentNanos);
			this.dbos.runStep(() -> {
			}, "noop");
			this.probe.finished();
		}

	}

}
