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
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

/**
 * What every JDBC store holds: the dialect, a {@link JdbcClient}, a batch-capable
 * template and a transaction template.
 * <p>
 * Transactions run at {@code READ COMMITTED}, which PostgreSQL and H2 use anyway: on
 * MariaDB and MySQL it stops the claim query's locking reads from taking gap locks that
 * would block concurrent inserts of new runs.
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

	JdbcStoreSupport(DataSource dataSource, DatabaseDialect dialect, PlatformTransactionManager transactionManager) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(dialect, "'dialect' must not be null");
		Assert.notNull(transactionManager, "'transactionManager' must not be null");
		this.dialect = dialect;
		this.template = new NamedParameterJdbcTemplate(dataSource);
		this.jdbc = JdbcClient.create(this.template);
		this.transactions = new TransactionTemplate(transactionManager);
		this.transactions.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
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
		return this.transactions;
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
