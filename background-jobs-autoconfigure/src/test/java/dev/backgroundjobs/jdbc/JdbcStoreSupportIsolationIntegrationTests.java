package dev.backgroundjobs.jdbc;

import javax.sql.DataSource;

import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the JDBC stores' transactions run at {@code READ COMMITTED} on PostgreSQL,
 * asking for it only where the server's default is another level.
 */
class JdbcStoreSupportIsolationIntegrationTests {

	@Test
	void transactionsTakeTheDefaultIsolationOnceItIsKnownToBeReadCommitted() {
		JdbcStoreSupport support = support(TestDatabases.postgres("bj_isolation"));
		assertThat(isolationInATransaction(support)).isEqualTo("read committed");
		assertThat(support.transactions().getIsolationLevel()).isEqualTo(TransactionDefinition.ISOLATION_DEFAULT);
		assertThat(isolationInATransaction(support)).isEqualTo("read committed");
	}

	@Test
	void transactionsAskForReadCommittedWhereTheDefaultIsAnother() {
		JdbcStoreSupport support = support(repeatableReadByDefault());
		assertThat(isolationInATransaction(support)).isEqualTo("read committed");
		assertThat(support.transactions().getIsolationLevel())
			.isEqualTo(TransactionDefinition.ISOLATION_READ_COMMITTED);
		assertThat(isolationInATransaction(support)).isEqualTo("read committed");
	}

	@Test
	void theDefaultIsNotLearntInsideATransactionWhichSetItsOwnLevel() {
		DataSource dataSource = repeatableReadByDefault();
		JdbcStoreSupport support = support(dataSource);
		TransactionTemplate readCommitted = new TransactionTemplate(new JdbcTransactionManager(dataSource));
		readCommitted.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
		// The first call comes inside a transaction whose connection reads its level as
		// the session's default.
		readCommitted.executeWithoutResult((status) -> assertThat(support.transactions().getIsolationLevel())
			.isEqualTo(TransactionDefinition.ISOLATION_READ_COMMITTED));
		assertThat(support.transactions().getIsolationLevel())
			.isEqualTo(TransactionDefinition.ISOLATION_READ_COMMITTED);
		assertThat(isolationInATransaction(support)).isEqualTo("read committed");
	}

	/**
	 * A PostgreSQL data source whose sessions default to {@code REPEATABLE READ}. Not
	 * pooled: no connection with this default goes back to a pool other tests use.
	 */
	private static DataSource repeatableReadByDefault() {
		TestDatabases.ConnectionSettings settings = TestDatabases.settings(TestDatabases.postgres("bj_isolation"));
		return TestDatabases.withSession(
				new DriverManagerDataSource(settings.url(), settings.username(), settings.password()),
				"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ");
	}

	private static JdbcStoreSupport support(DataSource dataSource) {
		return new JdbcStoreSupport(dataSource, DatabaseDialect.POSTGRESQL, new JdbcTransactionManager(dataSource));
	}

	private static String isolationInATransaction(JdbcStoreSupport support) {
		TransactionTemplate transactions = support.transactions();
		return transactions
			.execute((status) -> support.jdbc().sql("SHOW transaction_isolation").query(String.class).single());
	}

}
