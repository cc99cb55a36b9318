package dev.backgroundjobs.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.DeadLetterBatch;
import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.jdbc.JdbcDeadLetterStore;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.RecordRepublisher;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link DefaultDeadLetterOperations}, on an H2 dead-letter store.
 */
class DefaultDeadLetterOperationsTests {

	private JdbcDeadLetterStore deadLetters;

	private final List<String> replayedRuns = new ArrayList<>();

	private final List<String> republished = new ArrayList<>();

	private boolean brokerDown;

	private DefaultDeadLetterOperations operations;

	@BeforeEach
	void setUp() {
		DataSource dataSource = TestDatabases.h2();
		new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
			.initializeDatabase();
		this.deadLetters = new JdbcDeadLetterStore(dataSource);
		RecordRepublisher republisher = (poison) -> {
			if (this.brokerDown) {
				throw new BrokerUnavailableException("Broker down", null);
			}
			this.republished.add(poison.id());
		};
		this.operations = new DefaultDeadLetterOperations(this.deadLetters, new RecordingRuns(), republisher);
	}

	@Test
	void poisonRecordIsRemovedOnlyOnceTheBrokerHasIt() {
		this.deadLetters.savePoison(poison("poison-1", "orders"));
		this.brokerDown = true;
		assertThatExceptionOfType(BrokerUnavailableException.class)
			.isThrownBy(() -> this.operations.replay("poison-1"));
		assertThat(this.deadLetters.find("poison-1")).isNotNull();
		this.brokerDown = false;
		assertThat(this.operations.replay("poison-1")).isTrue();
		assertThat(this.republished).containsExactly("poison-1");
		assertThat(this.deadLetters.find("poison-1")).isNull();
		assertThat(this.operations.replay("poison-1")).isFalse();
	}

	@Test
	void bulkReplaySkipsWhatItCannotReplayAndGoesOnWithTheRest() {
		this.deadLetters.savePoison(poison("poison-1", "orders"));
		this.deadLetters.savePoison(run("run-ok", "orders"));
		this.deadLetters.savePoison(run("run-completed", "orders"));
		this.deadLetters.savePoison(poison("poison-2", "emails"));
		this.brokerDown = true;
		DeadLetterBatch batch = this.operations.replay(new DeadLetterFilter("orders", null, null, null, 10));
		assertThat(batch.done()).containsExactly("run-ok");
		assertThat(batch.skipped()).containsOnlyKeys("poison-1", "run-completed");
		assertThat(batch.skipped().get("run-completed")).contains("COMPLETED");
		assertThat(this.replayedRuns).containsExactly("run-ok");
		assertThat(this.deadLetters.find("poison-1")).isNotNull();
		assertThat(this.deadLetters.find("poison-2")).isNotNull();
	}

	@Test
	void bulkDeleteDeletesOnlyTheSelectedDeadLetters() {
		this.deadLetters.savePoison(poison("poison-1", "orders"));
		this.deadLetters.savePoison(poison("poison-2", "emails"));
		DeadLetterBatch batch = this.operations.delete(new DeadLetterFilter(null, null, null, "CANNOT READ", 10));
		assertThat(batch.done()).containsExactlyInAnyOrder("poison-1", "poison-2");
		assertThat(this.deadLetters.count()).isZero();
		assertThat(this.operations.delete("poison-1")).isFalse();
	}

	private static DeadLetterRecord poison(String id, String functionId) {
		return new DeadLetterRecord(id, null, functionId, null, "Cannot read the record", "jobs.test", 0, 1L, null,
				new byte[] { '{' }, Instant.now(), null);
	}

	// A run's dead letter, stored directly: the operations only read its run id.
	private static DeadLetterRecord run(String runId, String functionId) {
		return new DeadLetterRecord(runId, runId, functionId, "step", "Step failed", null, -1, -1L, null, null,
				Instant.now(), null);
	}

	private final class RecordingRuns implements RunOperations {

		@Override
		public RunStatus replay(String runId) {
			if (runId.equals("run-completed")) {
				throw new RunStateException("Run " + runId + " is COMPLETED; only FAILED runs can be replayed",
						RunStatus.COMPLETED);
			}
			DefaultDeadLetterOperationsTests.this.replayedRuns.add(runId);
			return RunStatus.QUEUED;
		}

		@Override
		public RunStatus cancel(String runId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public RunStatus rerun(String runId, String stepId) {
			throw new UnsupportedOperationException();
		}

	}

}
