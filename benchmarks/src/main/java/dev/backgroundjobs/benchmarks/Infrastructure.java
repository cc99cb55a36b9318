package dev.backgroundjobs.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The broker and database every system shares: an in-JVM KRaft broker, started when first
 * asked for, and one PostgreSQL schema per system in the database the tests use. The
 * broker runs in a thread group of its own, so that its CPU time can be told apart from
 * the application's.
 */
public final class Infrastructure implements AutoCloseable {

	/**
	 * The JDBC URL of the benchmark database, without a schema.
	 */
	public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";

	private final String url;

	private final String username;

	private final String password;

	private final Set<String> preparedSchemas = ConcurrentHashMap.newKeySet();

	private final ThreadGroup brokerThreads = new ThreadGroup("bench-kafka-broker");

	private final List<HikariDataSource> dataSources = new ArrayList<>();

	private @Nullable EmbeddedKafkaKraftBroker broker;

	/**
	 * Creates the infrastructure; the broker starts when first needed.
	 * @param url the JDBC URL of the database, without a schema
	 * @param username the database user
	 * @param password the database password
	 */
	public Infrastructure(String url, String username, String password) {
		this.url = url;
		this.username = username;
		this.password = password;
	}

	/**
	 * Returns the in-JVM broker's bootstrap servers, starting the broker if it is not
	 * running yet.
	 * @return the bootstrap servers
	 */
	public String bootstrapServers() {
		return startBroker().getBrokersAsString();
	}

	/**
	 * Starts the in-JVM broker unless it runs already. Every thread it starts belongs to
	 * {@link #brokerThreads()}.
	 * @return the broker
	 */
	public synchronized EmbeddedKafkaKraftBroker startBroker() {
		if (this.broker == null) {
			EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 6);
			broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "6",
					"transaction.state.log.replication.factor", "1", "auto.create.topics.enable", "false"));
			AtomicReference<@Nullable RuntimeException> failure = new AtomicReference<>();
			Thread starter = new Thread(this.brokerThreads, () -> {
				try {
					broker.afterPropertiesSet();
				}
				catch (RuntimeException ex) {
					failure.set(ex);
				}
			}, "bench-kafka-broker-start");
			starter.start();
			try {
				starter.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while the broker started", ex);
			}
			RuntimeException startFailure = failure.get();
			if (startFailure != null) {
				throw startFailure;
			}
			this.broker = broker;
		}
		return this.broker;
	}

	/**
	 * Stops the in-JVM broker, if it runs, so that it does not share the machine with
	 * what runs next.
	 */
	public synchronized void stopBroker() {
		if (this.broker != null) {
			this.broker.destroy();
			this.broker = null;
		}
	}

	/**
	 * Returns the thread group every thread of the in-JVM broker belongs to.
	 * @return the thread group
	 */
	public ThreadGroup brokerThreads() {
		return this.brokerThreads;
	}

	/**
	 * Returns the JDBC URL of the database, without a schema.
	 * @return the URL
	 */
	public String url() {
		return this.url;
	}

	/**
	 * Returns the JDBC URL of a schema. The schema is dropped and created anew the first
	 * time a run asks for it, so every system starts from its current table definitions.
	 * @param schema the schema
	 * @return the URL
	 */
	public String jdbcUrl(String schema) {
		String schemaUrl = this.url + (this.url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
		if (this.preparedSchemas.add(schema)) {
			try (HikariDataSource admin = create(this.url, 1)) {
				JdbcClient.create(admin).sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE").update();
				JdbcClient.create(admin).sql("CREATE SCHEMA " + schema).update();
			}
		}
		return schemaUrl;
	}

	/**
	 * Returns the database user.
	 * @return the user
	 */
	public String username() {
		return this.username;
	}

	/**
	 * Returns the database password.
	 * @return the password
	 */
	public String password() {
		return this.password;
	}

	/**
	 * Creates a pooled data source on a schema, closed with this infrastructure.
	 * @param schema the schema, created if missing
	 * @param poolSize the maximum pool size
	 * @return the data source
	 */
	public DataSource dataSource(String schema, int poolSize) {
		HikariDataSource dataSource = create(jdbcUrl(schema), poolSize);
		this.dataSources.add(dataSource);
		return dataSource;
	}

	/**
	 * Vacuums every table of the connection's current schema, after a system's stored
	 * work was deleted between workloads. Where PostgreSQL runs with autovacuum off (as
	 * the CI machine's does), each repetition would otherwise start on the dead rows of
	 * all the repetitions before it; with it, each starts as it would where autovacuum
	 * runs. Plain {@code VACUUM}: it takes no lock that blocks the system's own queries.
	 * @param jdbc a client of the system's schema
	 */
	public static void vacuum(JdbcClient jdbc) {
		List<String> tables = jdbc.sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
			.query(String.class)
			.list();
		for (String table : tables) {
			jdbc.sql("VACUUM " + table).update();
		}
	}

	/**
	 * Closes a pool made by {@link #dataSource}, so that its connections do not count
	 * against the server's limit while other systems run.
	 * @param dataSource the data source
	 */
	public static void close(DataSource dataSource) {
		if (dataSource instanceof HikariDataSource pool) {
			pool.close();
		}
	}

	private HikariDataSource create(String jdbcUrl, int poolSize) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(jdbcUrl);
		config.setUsername(this.username);
		config.setPassword(this.password);
		config.setMaximumPoolSize(poolSize);
		return new HikariDataSource(config);
	}

	@Override
	public void close() {
		this.dataSources.forEach(HikariDataSource::close);
		stopBroker();
	}

}
