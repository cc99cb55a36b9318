package dev.backgroundjobs.jdbc;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RetentionStore.Deleted;
import dev.backgroundjobs.testsupport.Concurrently;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Integration tests for {@link JdbcRetentionStore} against every supported database: what
 * is deleted, what is kept, and two instances deleting at once.
 */
class JdbcRetentionStoreIntegrationTests {

	private static final String SCHEMA = "bj_retention_tests";

	private static final Duration AGE = Duration.ofDays(7);

	private static final Duration OLD = AGE.plusHours(1);

	private static final Duration YOUNG = AGE.minusHours(1);

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends RetentionTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends RetentionTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends RetentionTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class RetentionTests {

		DataSource dataSource;

		DatabaseDialect dialect;

		JdbcClient jdbc;

		JdbcRunStore runs;

		JdbcDeadLetterStore deadLetters;

		JdbcRetentionStore retention;

		Instant now;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			this.dataSource = dataSource();
			if (initialized.add(this.dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource,
						new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			this.jdbc = JdbcClient.create(this.dataSource);
			for (String table : List.of("bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits", "bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			this.dialect = DatabaseDialect.from(this.dataSource);
			this.runs = new JdbcRunStore(this.dataSource, this.dialect);
			this.deadLetters = new JdbcDeadLetterStore(this.dataSource, this.dialect);
			this.retention = new JdbcRetentionStore(this.dataSource, this.dialect);
			this.now = new JdbcDatabaseTime(this.dataSource, this.dialect).now();
		}

		@Test
		void oldCompletedRunsAreDeletedWithTheirStepsWaitsAndInvocationsAndYoungOnesAreKept() {
			finishedRun("old", RunStatus.COMPLETED, OLD);
			step("old", "a");
			step("old", "b");
			eventWait("old", "approval");
			finishedRun("young", RunStatus.COMPLETED, YOUNG);
			step("young", "a");
			eventWait("young", "approval");
			childOf("old", "old-child", RunStatus.COMPLETED, OLD);
			Deleted deleted = this.retention.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 100);
			assertThat(deleted).isEqualTo(new Deleted(2, 2, 1, 1, 0));
			assertThat(runIds()).containsExactly("young");
			assertThat(count("bj_steps")).isOne();
			assertThat(count("bj_event_waits")).isOne();
			assertThat(count("bj_invocations")).isZero();
			assertThat(this.retention.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 100)).isEqualTo(Deleted.NONE);
		}

		@Test
		void runsThatHaveNotFinishedAreKeptHoweverOld() {
			for (RunStatus status : List.of(RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SLEEPING,
					RunStatus.WAITING)) {
				finishedRun(status.name(), status, OLD);
				step(status.name(), "a");
			}
			for (RunStatus finished : List.of(RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED)) {
				assertThat(this.retention.deleteFinishedRuns(finished, AGE, 100)).isEqualTo(Deleted.NONE);
			}
			assertThat(runIds()).hasSize(4);
			assertThat(count("bj_steps")).isEqualTo(4);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> this.retention.deleteFinishedRuns(RunStatus.RUNNING, AGE, 100));
		}

		@Test
		void parentIsKeptWhileAChildStillRunsAndAChildWhileItsParentStillRuns() {
			finishedRun("cancelled-parent", RunStatus.CANCELLED, OLD);
			childOf("cancelled-parent", "running-child", RunStatus.RUNNING, null);
			finishedRun("waiting-parent", RunStatus.WAITING, null);
			childOf("waiting-parent", "completed-child", RunStatus.COMPLETED, OLD);
			assertThat(this.retention.deleteFinishedRuns(RunStatus.CANCELLED, AGE, 100)).isEqualTo(Deleted.NONE);
			assertThat(this.retention.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 100)).isEqualTo(Deleted.NONE);
			setStatus("running-child", RunStatus.COMPLETED, OLD);
			setStatus("waiting-parent", RunStatus.COMPLETED, OLD);
			assertThat(this.retention.deleteFinishedRuns(RunStatus.CANCELLED, AGE, 100).runs()).isOne();
			assertThat(this.retention.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 100).runs()).isEqualTo(3);
			assertThat(runIds()).isEmpty();
			assertThat(count("bj_invocations")).isZero();
		}

		@Test
		void failedRunIsKeptWhileItsDeadLetterIsUnpublishedAndThenDeletedWithIt() {
			insert("failed");
			assertThat(this.runs.fail("failed", 1, "a", "boom")).isTrue();
			age("bj_runs", "finished_at", "run_id", "failed", OLD);
			age("bj_dead_letters", "created_at", "id", "failed", OLD);
			assertThat(this.retention.deleteFinishedRuns(RunStatus.FAILED, AGE, 100)).isEqualTo(Deleted.NONE);
			assertThat(this.retention.deletePublishedDeadLetters(AGE, 100)).isEqualTo(Deleted.NONE);
			assertThat(this.deadLetters.relayUnpublished(10, (claimed) -> List.of("failed"))).isOne();
			assertThat(this.retention.deletePublishedDeadLetters(AGE, 100)).isEqualTo(Deleted.NONE);
			assertThat(this.retention.deleteFinishedRuns(RunStatus.FAILED, AGE, 100))
				.isEqualTo(new Deleted(1, 0, 0, 0, 1));
			assertThat(this.deadLetters.count()).isZero();
		}

		@Test
		void oldPublishedPoisonDeadLettersAreDeletedAndUnpublishedOrYoungOnesKept() {
			poison(1, OLD, true);
			poison(2, OLD, false);
			poison(3, YOUNG, true);
			assertThat(this.retention.deletePublishedDeadLetters(AGE, 100)).isEqualTo(new Deleted(0, 0, 0, 0, 1));
			assertThat(this.deadLetters.findAll(10)).extracting(DeadLetterRecord::offset)
				.containsExactlyInAnyOrder(2L, 3L);
		}

		@Test
		void aBatchDeletesAtMostItsLimitOldestFirst() {
			for (int i = 1; i <= 5; i++) {
				finishedRun("run-" + i, RunStatus.COMPLETED, OLD.plusMinutes(10 - i));
			}
			assertThat(this.retention.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 2).runs()).isEqualTo(2);
			assertThat(runIds()).containsExactly("run-3", "run-4", "run-5");
		}

		@Test
		void twoInstancesDeletingAtOnceDeleteEveryRowOnceAndNeitherFails() throws Exception {
			for (int i = 0; i < 300; i++) {
				finishedRun("run-" + i, RunStatus.COMPLETED, OLD);
				step("run-" + i, "a");
			}
			JdbcRetentionStore other = new JdbcRetentionStore(this.dataSource, this.dialect);
			CyclicBarrier barrier = new CyclicBarrier(2);
			List<Deleted> totals = Concurrently
				.run(List.of(() -> deleteAll(this.retention, barrier), () -> deleteAll(other, barrier)));
			assertThat(totals.get(0).plus(totals.get(1))).isEqualTo(new Deleted(300, 300, 0, 0, 0));
			assertThat(runIds()).isEmpty();
			assertThat(count("bj_steps")).isZero();
		}

		@Test
		void aRunAnotherTransactionHoldsIsSkippedWithoutWaitingForIt() throws Exception {
			finishedRun("held", RunStatus.COMPLETED, OLD);
			finishedRun("free", RunStatus.COMPLETED, OLD);
			try (Connection connection = this.dataSource.getConnection()) {
				connection.setAutoCommit(false);
				try (Statement statement = connection.createStatement()) {
					statement.executeQuery("SELECT run_id FROM bj_runs WHERE run_id = 'held' FOR UPDATE").close();
				}
				Callable<Deleted> delete = () -> this.retention.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 100);
				Deleted deleted = Concurrently.run(List.of(delete)).get(0);
				connection.rollback();
				assertThat(deleted.runs()).isOne();
			}
			assertThat(runIds()).containsExactly("held");
		}

		private Deleted deleteAll(JdbcRetentionStore store, CyclicBarrier barrier) throws Exception {
			barrier.await();
			Deleted total = Deleted.NONE;
			while (count("bj_runs") > 0) {
				total = total.plus(store.deleteFinishedRuns(RunStatus.COMPLETED, AGE, 20));
			}
			return total;
		}

		private void insert(String runId) {
			assertThat(this.runs.insertLeased(
					List.of(new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", this.now, null)), "owner-a",
					Duration.ofMinutes(10)))
				.containsExactly(runId);
		}

		private void finishedRun(String runId, RunStatus status, Duration finishedAgo) {
			insert(runId);
			setStatus(runId, status, finishedAgo);
		}

		private void childOf(String parentId, String childId, RunStatus status, Duration finishedAgo) {
			assertThat(this.runs.insertChild(
					new NewRun(childId, "fn", "invoke:" + childId, "invoke/fn", "{}", this.now, null), parentId,
					"call"))
				.isTrue();
			setStatus(childId, status, finishedAgo);
		}

		private void setStatus(String runId, RunStatus status, Duration finishedAgo) {
			this.jdbc.sql("UPDATE bj_runs SET status = :status, finished_at = :finishedAt WHERE run_id = :runId")
				.param("status", status.name())
				.param("finishedAt", (finishedAgo != null) ? this.dialect.bind(this.now.minus(finishedAgo)) : null)
				.param("runId", runId)
				.update();
		}

		private void age(String table, String column, String idColumn, String id, Duration ago) {
			this.jdbc.sql("UPDATE " + table + " SET " + column + " = :at WHERE " + idColumn + " = :id")
				.param("at", this.dialect.bind(this.now.minus(ago)))
				.param("id", id)
				.update();
		}

		private void step(String runId, String stepId) {
			this.jdbc.sql("""
					INSERT INTO bj_steps (run_id, step_id, status, attempts, output, started_at, finished_at)
					VALUES (:runId, :stepId, 'COMPLETED', 1, '1', :at, :at)""")
				.param("runId", runId)
				.param("stepId", stepId)
				.param("at", this.dialect.bind(this.now))
				.update();
		}

		private void eventWait(String runId, String stepId) {
			this.jdbc.sql("""
					INSERT INTO bj_event_waits (run_id, step_id, event_name, match_path, match_value, created_at,
							expires_at, resolved_event, start_offsets, start_generation)
					VALUES (:runId, :stepId, 'test/approved', 'data.id', '1', :at, :at, '{}', '0:0', 0)""")
				.param("runId", runId)
				.param("stepId", stepId)
				.param("at", this.dialect.bind(this.now))
				.update();
		}

		private void poison(long offset, Duration ago, boolean published) {
			String id = DeadLetterRecord.poisonId("fn", "t", 0, offset);
			assertThat(this.deadLetters.savePoison(
					new DeadLetterRecord(id, null, "fn", null, "not JSON", "t", 0, offset, null, null, this.now, null)))
				.isTrue();
			if (published) {
				this.deadLetters.relayUnpublished(10, (claimed) -> List.of(id));
			}
			age("bj_dead_letters", "created_at", "id", id, ago);
		}

		private List<String> runIds() {
			return this.jdbc.sql("SELECT run_id FROM bj_runs ORDER BY run_id").query(String.class).list();
		}

		private long count(String table) {
			return this.jdbc.sql("SELECT COUNT(*) FROM " + table).query(Long.class).single();

		}

	}

}
