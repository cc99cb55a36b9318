package dev.backgroundjobs.benchmarks;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PostgresCpu}: which PostgreSQL processes count for the benchmark's
 * database.
 */
class PostgresCpuTests {

	private static final PostgresCpu.TitleLookup NO_LEADER = (pid) -> null;

	@Test
	void databaseOfUrlIsThePathWithoutTheQuery() {
		assertThat(PostgresCpu.databaseOf("jdbc:postgresql://127.0.0.1:5432/test_bench?currentSchema=bj_bench"))
			.isEqualTo("test_bench");
		assertThat(PostgresCpu.databaseOf("jdbc:postgresql://localhost/test")).isEqualTo("test");
	}

	@Test
	void clientBackendBelongsToTheDatabaseItsTitleNames() {
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: postgres test_bench 127.0.0.1(45678) idle",
				NO_LEADER))
			.isEqualTo("test_bench");
		assertThat(PostgresCpu.databaseOfProcess("postgres: postgres test [local] INSERT", NO_LEADER))
			.isEqualTo("test");
	}

	@Test
	void userNamedLikeADatabaseIsNotMistakenForIt() {
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: test other 127.0.0.1(45678) idle", NO_LEADER))
			.isEqualTo("other");
	}

	@Test
	void autovacuumWorkerBelongsToTheDatabaseItVacuums() {
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: autovacuum worker test_bench", NO_LEADER))
			.isEqualTo("test_bench");
	}

	@Test
	void serverProcessesServeEveryDatabase() {
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: walwriter", NO_LEADER)).isEmpty();
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: autovacuum launcher", NO_LEADER)).isEmpty();
		assertThat(PostgresCpu.databaseOfProcess("postgres: checkpointer", NO_LEADER)).isEmpty();
		assertThat(PostgresCpu.databaseOfProcess(
				"/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c config_file=x", NO_LEADER))
			.isEmpty();
	}

	@Test
	void parallelWorkerBelongsToItsLeadersDatabase() {
		PostgresCpu.TitleLookup leader = (pid) -> (pid == 4242)
				? "postgres: 15/main: postgres test_bench 127.0.0.1(45678) SELECT" : null;
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: parallel worker for PID 4242", leader))
			.isEqualTo("test_bench");
		assertThat(PostgresCpu.databaseOfProcess("postgres: 15/main: parallel worker for PID 1", leader)).isNull();
	}

	@Test
	void usageSinceAnEarlierSampleCountsNewProcessesFromZero() {
		PostgresCpu.Sample before = new PostgresCpu.Sample(Map.of(1L, 100L, 2L, 50L), 1);
		PostgresCpu.Sample after = new PostgresCpu.Sample(Map.of(1L, 130L, 3L, 20L), 1);
		assertThat(after.nanosSince(before)).isEqualTo(30 + 20);
	}

}
