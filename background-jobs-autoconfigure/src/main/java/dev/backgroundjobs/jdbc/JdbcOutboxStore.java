package dev.backgroundjobs.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import javax.sql.DataSource;

import dev.backgroundjobs.store.OutboxEntry;
import dev.backgroundjobs.store.OutboxStore;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link OutboxStore} on a relational database. Rows are appended with the connection of
 * the transaction bound to the caller's thread, so they commit or roll back with the
 * caller's own writes. The relay claims rows with {@code FOR UPDATE SKIP LOCKED}, so
 * instances relaying at once take different rows, and holds them until the broker has
 * acknowledged them.
 */
public class JdbcOutboxStore implements OutboxStore {

	private static final String INSERT = """
			INSERT INTO bj_outbox (event_id, event_name, topic, record_value, record_headers, created_at)
			VALUES (?, ?, ?, ?, ?, ${now})
			""";

	private static final String CLAIM_OLDEST = """
			SELECT outbox_id, event_id, event_name, topic, record_value, record_headers, created_at FROM bj_outbox
			WHERE created_at <= ${now + minusMinAgeMillis}
			ORDER BY outbox_id
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	// One row per statement (in a JDBC batch): with an IN list, InnoDB may scan and lock
	// rows that another relay holds, and two relays deadlock.
	private static final String DELETE = "DELETE FROM bj_outbox WHERE outbox_id = ?";

	private static final String BACKLOG = "SELECT COUNT(*) AS size, MIN(created_at) AS oldest FROM bj_outbox";

	private final JdbcStoreSupport support;

	private final JdbcTemplate jdbcTemplate;

	private final String insert;

	private final String claimOldest;

	/**
	 * Creates a store.
	 * @param dataSource the data source, the one whose transactions the outbox joins
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcOutboxStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.jdbcTemplate = this.support.template().getJdbcTemplate();
		this.insert = dialect.render(INSERT);
		this.claimOldest = dialect.render(CLAIM_OLDEST);
	}

	@Override
	public List<Long> append(List<OutboxEntry> entries) {
		Assert.notNull(entries, "'entries' must not be null");
		if (entries.isEmpty()) {
			return List.of();
		}
		List<Long> ids = this.support.transactions().execute((status) -> insert(entries));
		Assert.state(ids != null && ids.size() == entries.size(), "Every outbox row has an id");
		return ids;
	}

	private List<Long> insert(List<OutboxEntry> entries) {
		GeneratedKeyHolder keys = new GeneratedKeyHolder();
		this.jdbcTemplate.batchUpdate(
				(connection) -> connection.prepareStatement(this.insert, new String[] { "outbox_id" }),
				new BatchPreparedStatementSetter() {

					@Override
					public void setValues(PreparedStatement statement, int i) throws SQLException {
						OutboxEntry entry = entries.get(i);
						statement.setString(1, entry.eventId());
						statement.setString(2, entry.eventName());
						statement.setString(3, entry.topic());
						statement.setBytes(4, entry.value());
						if (entry.headers() != null) {
							statement.setBytes(5, entry.headers());
						}
						else {
							statement.setNull(5, Types.VARBINARY);
						}
					}

					@Override
					public int getBatchSize() {
						return entries.size();
					}

				}, keys);
		List<Long> ids = new ArrayList<>(entries.size());
		for (Map<String, Object> row : keys.getKeyList()) {
			ids.add(outboxId(row));
		}
		return ids;
	}

	// Drivers name the generated column differently (outbox_id, OUTBOX_ID, insert_id).
	private static long outboxId(Map<String, Object> row) {
		Object value = row.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().equalsIgnoreCase("outbox_id"))
			.map(Map.Entry::getValue)
			.findFirst()
			.orElseGet(() -> (row.size() == 1) ? row.values().iterator().next() : null);
		Assert.state(value instanceof Number, () -> "No generated outbox id in " + row);
		return ((Number) value).longValue();
	}

	@Override
	public int relayOldest(int limit, Duration minAge, Function<List<OutboxEntry>, Set<Long>> relay) {
		Assert.notNull(relay, "'relay' must not be null");
		if (limit <= 0) {
			return 0;
		}
		Integer claimedCount = this.support.transactions().execute((status) -> {
			List<OutboxEntry> claimed = this.support.jdbc()
				.sql(this.claimOldest)
				.param("minusMinAgeMillis", -minAge.toMillis())
				.param("limit", limit)
				.query(this::mapEntry)
				.list();
			if (claimed.isEmpty()) {
				return 0;
			}
			deleteInTransaction(List.copyOf(relay.apply(claimed)));
			return claimed.size();
		});
		return (claimedCount != null) ? claimedCount : 0;
	}

	@Override
	public void delete(Collection<Long> outboxIds) {
		Assert.notNull(outboxIds, "'outboxIds' must not be null");
		if (!outboxIds.isEmpty()) {
			this.support.transactions().executeWithoutResult((status) -> deleteInTransaction(List.copyOf(outboxIds)));
		}
	}

	private void deleteInTransaction(List<Long> ids) {
		if (ids.isEmpty()) {
			return;
		}
		List<Object[]> rows = ids.stream().sorted().map((id) -> new Object[] { id }).toList();
		this.jdbcTemplate.batchUpdate(DELETE, rows);
	}

	@Override
	public Backlog backlog() {
		return this.support.jdbc()
			.sql(BACKLOG)
			.query((rs, row) -> new Backlog(rs.getLong("size"), this.support.getInstant(rs, "oldest")))
			.single();
	}

	private OutboxEntry mapEntry(ResultSet rs, int row) throws SQLException {
		return new OutboxEntry(rs.getLong("outbox_id"), rs.getString("event_id"), rs.getString("event_name"),
				rs.getString("topic"), rs.getBytes("record_value"), rs.getBytes("record_headers"),
				this.support.getInstant(rs, "created_at"));
	}

}
