package dev.backgroundjobs.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The broker and database every system shares: an in-JVM KRaft broker, and one PostgreSQL
 * schema per system in the database the tests use.
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

	private final EmbeddedKafkaKraftBroker broker;

	private final List<HikariDataSource> dataSources = new ArrayList<>();

	/**
	 * Starts the broker.
	 * @param url the JDBC URL of the database, without a schema
	 * @param username the database user
	 * @param password the database password
	 */
	public Infrastructure(String url, String username, String password) {
		this.url = url;
		this.username = username;
		this.password = password;
		this.broker = new EmbeddedKafkaKraftBroker(1, 6);
		this.broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions",
				"6", "transaction.state.log.replication.factor", "1", "auto.create.topics.enable", "false"));
		this.broker.afterPropertiesSet();
	}

	/**
	 * Returns the broker's bootstrap servers.
	 * @return the bootstrap servers
	 */
	public String bootstrapServers() {
		return this.broker.getBrokersAsString();
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
		this.broker.destroy();
	}

}
