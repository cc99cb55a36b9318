package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link DeadLetterStore} on a relational database through {@code JdbcClient}. Dead
 * letters of failed runs are written by {@link JdbcRunStore#fail}, in the transaction
 * that fails the run, and removed by its replay.
 * <p>
 * A dead letter is written with {@code publish_pending = 1} and relayed to the
 * dead-letter topic by {@link #relayUnpublished}, which claims rows with
 * {@code FOR UPDATE SKIP LOCKED} so that several instances relay different rows, and
 * holds them until the broker has acknowledged them.
 */
public class JdbcDeadLetterStore implements DeadLetterStore {

	private static final String COLUMNS = """
			id, run_id, function_id, step_id, error, record_topic, record_partition, record_offset, record_key, \
			record_value, record_headers, created_at""";

	private static final String INSERT_POISON = """
			INSERT INTO bj_dead_letters (id, run_id, function_id, step_id, error, record_topic, record_partition,
					record_offset, record_key, record_value, record_headers, publish_pending, created_at)
			VALUES (:id, :runId, :functionId, :stepId, :error, :topic, :partition, :offset, :rawKey, :rawValue,
					:rawHeaders, 1, ${now})
			""";

	private static final String CLAIM_UNPUBLISHED = "SELECT " + COLUMNS + """
			 FROM bj_dead_letters
			WHERE publish_pending = 1
			ORDER BY created_at, id
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	private static final String MARK_PUBLISHED = """
			UPDATE bj_dead_letters SET publish_pending = 0, published_at = ${now}
			WHERE id IN (:ids) AND publish_pending = 1
			""";

	private static final String COUNT_UNPUBLISHED = "SELECT COUNT(*) FROM bj_dead_letters WHERE publish_pending = 1";

	private static final String FIND = "SELECT " + COLUMNS + " FROM bj_dead_letters WHERE id = :id";

	private static final String FIND_ALL = "SELECT " + COLUMNS
			+ " FROM bj_dead_letters ORDER BY created_at DESC, id DESC LIMIT :limit";

	private static final String FIND_BY_FUNCTION = "SELECT " + COLUMNS
			+ " FROM bj_dead_letters WHERE function_id = :functionId ORDER BY created_at DESC, id DESC LIMIT :limit";

	private static final String DELETE = "DELETE FROM bj_dead_letters WHERE id = :id";

	private static final String COUNT = "SELECT COUNT(*) FROM bj_dead_letters";

	private final JdbcStoreSupport support;

	private final String insertPoison;

	private final String markPublished;

	/**
	 * Creates a store on a data source, detecting its dialect and using a
	 * {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 */
	public JdbcDeadLetterStore(DataSource dataSource) {
		this(dataSource, DatabaseDialect.from(dataSource));
	}

	/**
	 * Creates a store on a data source, using a {@link JdbcTransactionManager} of its
	 * own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcDeadLetterStore(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcDeadLetterStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.insertPoison = dialect.render(dialect.insertIgnoringDuplicates(INSERT_POISON));
		this.markPublished = dialect.render(MARK_PUBLISHED);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The dead letter's creation time is taken from the database clock, like every other
	 * time the store records, so {@link #findAll} orders all dead letters consistently;
	 * {@link DeadLetterRecord#createdAt()} is ignored. The error is made storable (a
	 * record's bytes may hold U+0000, which PostgreSQL refuses in text).
	 */
	@Override
	public boolean savePoison(DeadLetterRecord deadLetter) {
		Assert.notNull(deadLetter, "'deadLetter' must not be null");
		try {
			return this.support.jdbc()
				.sql(this.insertPoison)
				.param("id", deadLetter.id())
				.param("runId", JdbcStoreSupport.storable(deadLetter.runId()), Types.VARCHAR)
				.param("functionId", deadLetter.functionId())
				.param("stepId", JdbcStoreSupport.storable(deadLetter.stepId()), Types.VARCHAR)
				.param("error", JdbcStoreSupport.storable(deadLetter.error()), Types.VARCHAR)
				.param("topic", JdbcStoreSupport.storable(deadLetter.topic()), Types.VARCHAR)
				.param("partition", deadLetter.partition())
				.param("offset", deadLetter.offset())
				.param("rawKey", deadLetter.rawKey(), Types.VARBINARY)
				.param("rawValue", deadLetter.rawValue(), Types.VARBINARY)
				.param("rawHeaders", deadLetter.rawHeaders(), Types.VARBINARY)
				.update() == 1;
		}
		catch (DuplicateKeyException ex) {
			// Only where the dialect cannot skip duplicates in the statement itself.
			return false;
		}
	}

	@Override
	public int relayUnpublished(int limit, Function<List<DeadLetterRecord>, Collection<String>> publisher) {
		Assert.notNull(publisher, "'publisher' must not be null");
		if (limit <= 0) {
			return 0;
		}
		Integer published = this.support.transactions().execute((status) -> {
			List<DeadLetterRecord> claimed = this.support.jdbc()
				.sql(CLAIM_UNPUBLISHED)
				.param("limit", limit)
				.query(this::mapDeadLetter)
				.list();
			if (claimed.isEmpty()) {
				return 0;
			}
			List<String> acknowledged = List.copyOf(publisher.apply(claimed));
			int marked = 0;
			for (List<String> ids : JdbcStoreSupport.chunks(acknowledged, JdbcStoreSupport.MAX_LIST_SIZE)) {
				marked += this.support.jdbc().sql(this.markPublished).param("ids", ids).update();
			}
			return marked;
		});
		return (published != null) ? published : 0;
	}

	@Override
	public long countUnpublished() {
		return this.support.jdbc().sql(COUNT_UNPUBLISHED).query(Long.class).single();
	}

	@Override
	public @Nullable DeadLetterRecord find(String id) {
		return this.support.jdbc().sql(FIND).param("id", id).query(this::mapDeadLetter).optional().orElse(null);
	}

	@Override
	public List<DeadLetterRecord> findAll(int limit) {
		if (limit <= 0) {
			return List.of();
		}
		return this.support.jdbc().sql(FIND_ALL).param("limit", limit).query(this::mapDeadLetter).list();
	}

	@Override
	public List<DeadLetterRecord> findByFunction(String functionId, int limit) {
		Assert.notNull(functionId, "'functionId' must not be null");
		if (limit <= 0) {
			return List.of();
		}
		return this.support.jdbc()
			.sql(FIND_BY_FUNCTION)
			.param("functionId", functionId)
			.param("limit", limit)
			.query(this::mapDeadLetter)
			.list();
	}

	@Override
	public List<DeadLetterRecord> findMatching(DeadLetterFilter filter) {
		Assert.notNull(filter, "'filter' must not be null");
		StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM bj_dead_letters WHERE 1 = 1");
		Map<String, Object> parameters = new HashMap<>();
		if (filter.functionId() != null) {
			sql.append(" AND function_id = :functionId");
			parameters.put("functionId", filter.functionId());
		}
		if (filter.createdFrom() != null) {
			sql.append(" AND created_at >= :createdFrom");
			parameters.put("createdFrom", this.support.bind(filter.createdFrom()));
		}
		if (filter.createdTo() != null) {
			sql.append(" AND created_at < :createdTo");
			parameters.put("createdTo", this.support.bind(filter.createdTo()));
		}
		if (filter.errorContains() != null) {
			// '!' escapes the wildcards the same way on every database, unlike '\'.
			sql.append(" AND LOWER(error) LIKE :errorPattern ESCAPE '!'");
			String text = filter.errorContains().toLowerCase(Locale.ROOT);
			parameters.put("errorPattern", "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
		}
		sql.append(" ORDER BY created_at, id LIMIT :limit");
		parameters.put("limit", filter.limit());
		return this.support.jdbc().sql(sql.toString()).params(parameters).query(this::mapDeadLetter).list();
	}

	@Override
	public boolean delete(String id) {
		Assert.notNull(id, "'id' must not be null");
		return this.support.jdbc().sql(DELETE).param("id", id).update() == 1;
	}

	@Override
	public long count() {
		return this.support.jdbc().sql(COUNT).query(Long.class).single();
	}

	private DeadLetterRecord mapDeadLetter(ResultSet rs, int row) throws SQLException {
		return new DeadLetterRecord(rs.getString("id"), rs.getString("run_id"), rs.getString("function_id"),
				rs.getString("step_id"), rs.getString("error"), rs.getString("record_topic"),
				rs.getInt("record_partition"), rs.getLong("record_offset"), rs.getBytes("record_key"),
				rs.getBytes("record_value"), this.support.getRequiredInstant(rs, "created_at"),
				rs.getBytes("record_headers"));
	}

}
