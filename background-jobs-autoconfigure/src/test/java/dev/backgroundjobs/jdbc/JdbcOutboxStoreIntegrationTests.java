package dev.backgroundjobs.jdbc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.OutboxEntry;
import dev.backgroundjobs.testsupport.Concurrently;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link JdbcOutboxStore} against every supported database: rows
 * join the caller's transaction, are relayed oldest first, and instances relaying at once
 * never take the same row.
 */
class JdbcOutboxStoreIntegrationTests {

	private static final String SCHEMA = "bj_outbox_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends OutboxTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends OutboxTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends OutboxTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class OutboxTests {

		DataSource dataSource;

		JdbcOutboxStore outbox;

		TransactionTemplate transactions;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			this.dataSource = dataSource();
			if (initialized.add(this.dataSource)) {
				BackgroundJobsJdbcProperties properties = new BackgroundJobsJdbcProperties();
				// Twice: every statement must be idempotent.
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource, properties).initializeDatabase();
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource, properties).initializeDatabase();
			}
			JdbcClient.create(this.dataSource).sql("DELETE FROM bj_outbox").update();
			DataSourceTransactionManager transactionManager = new DataSourceTransactionManager(this.dataSource);
			this.outbox = new JdbcOutboxStore(this.dataSource, DatabaseDialect.from(this.dataSource),
					transactionManager);
			this.transactions = new TransactionTemplate(transactionManager);
		}

		@Test
		void appendReturnsAscendingIdsAndKeepsEveryByteOfTheRecord() {
			byte[] headers = { 0, 1, 2, (byte) 0xff };
			List<Long> ids = this.outbox.append(List.of(entry("e-1"), OutboxEntry.of("e-2", "test/event", "topic-b",
					"{\"text\":\"\\u0000 é\"}".getBytes(StandardCharsets.UTF_8), headers)));
			assertThat(ids).hasSize(2).isSorted().doesNotHaveDuplicates();
			List<OutboxEntry> relayed = new ArrayList<>();
			this.outbox.relayOldest(10, Duration.ZERO, (rows) -> {
				relayed.addAll(rows);
				return Set.of();
			});
			assertThat(relayed).extracting(OutboxEntry::outboxId).containsExactlyElementsOf(ids);
			OutboxEntry second = relayed.get(1);
			assertThat(second.eventId()).isEqualTo("e-2");
			assertThat(second.topic()).isEqualTo("topic-b");
			assertThat(new String(second.value(), StandardCharsets.UTF_8)).isEqualTo("{\"text\":\"\\u0000 é\"}");
			assertThat(second.headers()).containsExactly(headers);
			assertThat(second.createdAt()).isNotNull();
			assertThat(relayed.get(0).headers()).isNull();
		}

		@Test
		void rowsAppendedInARolledBackTransactionAreGone() {
			this.transactions.executeWithoutResult((status) -> {
				this.outbox.append(List.of(entry("rolled-back")));
				assertThat(this.outbox.backlog().size()).isOne();
				status.setRollbackOnly();
			});
			assertThat(this.outbox.backlog().size()).isZero();
			assertThat(this.outbox.backlog().oldest()).isNull();
		}

		@Test
		void relayOldestDeletesOnlyTheRowsReportedRelayedAndLeavesYoungRows() {
			List<Long> ids = this.outbox.append(List.of(entry("a"), entry("b"), entry("c")));
			assertThat(this.outbox.relayOldest(10, Duration.ofHours(1), (rows) -> Set.copyOf(ids))).isZero();
			assertThat(this.outbox.relayOldest(10, Duration.ZERO, (rows) -> Set.of(ids.get(0), ids.get(2))))
				.isEqualTo(3);
			List<String> left = new ArrayList<>();
			this.outbox.relayOldest(10, Duration.ZERO, (rows) -> {
				rows.forEach((row) -> left.add(row.eventId()));
				return Set.of();
			});
			assertThat(left).containsExactly("b");
			this.outbox.delete(List.of(ids.get(1)));
			assertThat(this.outbox.backlog().size()).isZero();
		}

		@Test
		void relaysRacingOverTheSameRowsClaimEachRowOnce() throws Exception {
			List<OutboxEntry> entries = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				entries.add(entry("race-" + i));
			}
			this.outbox.append(entries);
			CyclicBarrier bothClaimed = new CyclicBarrier(2);
			Callable<List<String>> relay = () -> {
				List<String> seen = new ArrayList<>();
				this.outbox.relayOldest(150, Duration.ZERO, (rows) -> {
					rows.forEach((row) -> seen.add(row.eventId()));
					try {
						// Both hold their claims at once.
						bothClaimed.await(10, TimeUnit.SECONDS);
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
					Set<Long> relayed = new HashSet<>();
					rows.forEach((row) -> relayed.add(row.outboxId()));
					return relayed;
				});
				return seen;
			};
			List<List<String>> seen = Concurrently.run(List.of(relay, relay));
			assertThat(seen.get(0)).isNotEmpty().doesNotContainAnyElementsOf(seen.get(1));
			assertThat(seen.get(0).size() + seen.get(1).size()).isEqualTo(200);
			assertThat(this.outbox.backlog().size()).isZero();
		}

		private static OutboxEntry entry(String eventId) {
			return OutboxEntry.of(eventId, "test/event", "topic-a", "{}".getBytes(StandardCharsets.UTF_8), null);
		}

	}

}
