package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

/**
 * What every JDBC store holds: the dialect, a {@link JdbcClient}, a batch-capable
 * template and a transaction template.
 * <p>
 * Transactions run at {@code READ COMMITTED}, which PostgreSQL and H2 use anyway: on
 * MariaDB and MySQL it stops the claim query's locking reads from taking gap locks that
 * would block concurrent inserts of new runs. On PostgreSQL, asking for it costs every
 * transaction a round trip (the driver reads the connection's isolation level from the
 * server before setting it), so once the server's default is known to be
 * {@code READ COMMITTED} (read once, outside a transaction), transactions take the
 * default.
 */
final class JdbcStoreSupport {

	/**
	 * Most values bound in one statement for a list (an {@code IN} list, or rows of a
	 * multi-row insert): well within every driver's limit on bind parameters.
	 */
	static final int MAX_LIST_SIZE = 1000;

	private final DatabaseDialect dialect;

	private final NamedParameterJdbcTemplate template;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final TransactionTemplate defaultTransactions;

	/**
	 * Whether transactions may take the database's default isolation, as it is
	 * {@code READ COMMITTED}: {@code null} until known, on PostgreSQL only. Written once
	 * by whichever thread first learns it; a race only reads it twice.
	 */
	private volatile @Nullable Boolean defaultIsReadCommitted;

	JdbcStoreSupport(DataSource dataSource, DatabaseDialect dialect, PlatformTransactionManager transactionManager) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(dialect, "'dialect' must not be null");
		Assert.notNull(transactionManager, "'transactionManager' must not be null");
		this.dialect = dialect;
		this.template = new NamedParameterJdbcTemplate(dataSource);
		this.jdbc = JdbcClient.create(this.template);
		this.transactions = new TransactionTemplate(transactionManager);
		this.transactions.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
		this.defaultTransactions = new TransactionTemplate(transactionManager);
		this.defaultIsReadCommitted = (dialect == DatabaseDialect.POSTGRESQL) ? null : Boolean.FALSE;
	}

	/**
	 * Returns text that every supported database can store: U+0000, which PostgreSQL
	 * refuses in text columns whatever the value, becomes U+FFFD. Every free text a store
	 * writes (errors, payload previews, ids and names read from records) goes through
	 * here, so that a value can never make a write fail for good.
	 * @param text the text
	 * @return the storable text
	 */
	static @Nullable String storable(@Nullable String text) {
		return (text != null && text.indexOf('\u0000') >= 0) ? text.replace('\u0000', '\uFFFD') : text;
	}

	DatabaseDialect dialect() {
		return this.dialect;
	}

	NamedParameterJdbcTemplate template() {
		return this.template;
	}

	JdbcClient jdbc() {
		return this.jdbc;
	}

	TransactionTemplate transactions() {
		Boolean defaultIsReadCommitted = this.defaultIsReadCommitted;
		if (defaultIsReadCommitted == null) {
			defaultIsReadCommitted = learnDefaultIsolation();
		}
		return defaultIsReadCommitted ? this.defaultTransactions : this.transactions;
	}

	/**
	 * Reads the default isolation of a connection outside any transaction, as a pool's
	 * connections share it: the server's, a role's or one the pool sets. Not inside a
	 * transaction: the driver sets an isolation level as the session's default, so a
	 * connection in a transaction that asked for one reads that.
	 * @return whether the default is {@code READ COMMITTED}, {@code false} if not known
	 * yet
	 */
	private boolean learnDefaultIsolation() {
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			return false;
		}
		String isolation = this.jdbc.sql("SHOW default_transaction_isolation").query(String.class).single();
		boolean readCommitted = "read committed".equalsIgnoreCase(isolation);
		this.defaultIsReadCommitted = readCommitted;
		return readCommitted;
	}

	String render(String sql) {
		return this.dialect.render(sql);
	}

	/**
	 * Splits a list into consecutive chunks of at most {@code size} elements.
	 * @param <T> the element type
	 * @param items the list
	 * @param size the most elements per chunk
	 * @return views of the chunks, in order
	 */
	static <T> List<List<T>> chunks(List<T> items, int size) {
		List<List<T>> chunks = new ArrayList<>();
		for (int from = 0; from < items.size(); from += size) {
			chunks.add(items.subList(from, Math.min(items.size(), from + size)));
		}
		return chunks;
	}

	Object bind(Instant instant) {
		return this.dialect.bind(instant);
	}

	@Nullable Instant getInstant(ResultSet resultSet, String column) throws SQLException {
		return this.dialect.getInstant(resultSet, column);
	}

	Instant getRequiredInstant(ResultSet resultSet, String column) throws SQLException {
		Instant instant = this.dialect.getInstant(resultSet, column);
		if (instant == null) {
			throw new IllegalStateException("Column '" + column + "' is unexpectedly null");
		}
		return instant;
	}

}
