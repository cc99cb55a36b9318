package dev.backgroundjobs.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.store.DatabaseTime;
import dev.backgroundjobs.testsupport.TestKafka;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Application contexts for the integration tests: every context of one {@code Cluster}
 * shares the broker, the database, the topics and a {@link Probe}, like instances of one
 * application.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApplication {

	@Bean
	TestFunctions testFunctions(Probe probe, InstanceId instanceId) {
		return new TestFunctions(probe, instanceId);
	}

	@Bean
	@ConditionalOnBooleanProperty("test.durable-functions")
	DurableTestFunctions durableTestFunctions(Probe probe) {
		return new DurableTestFunctions(probe);
	}

	/**
	 * The registry a resilience4j Spring Boot starter would configure from
	 * {@code resilience4j.retry.instances.test-remote}.
	 */
	@Bean
	@ConditionalOnBooleanProperty("test.durable-functions")
	RetryRegistry testRetryRegistry() {
		RetryRegistry registry = RetryRegistry.ofDefaults();
		registry.retry("test-remote",
				RetryConfig.custom()
					.maxAttempts(3)
					.waitDuration(Duration.ofMillis(10))
					.ignoreExceptions(IllegalArgumentException.class)
					.build());
		return registry;
	}

	@Bean
	@ConditionalOnBooleanProperty("test.concurrency-functions")
	ConcurrencyTestFunctions concurrencyTestFunctions(Probe probe, Occupancy occupancy) {
		return new ConcurrencyTestFunctions(probe, occupancy);
	}

	@Bean
	@ConditionalOnBooleanProperty("test.cron-functions")
	CronTestFunctions cronTestFunctions(Probe probe, InstanceId instanceId) {
		return new CronTestFunctions(probe, instanceId);
	}

	@Bean
	@ConditionalOnBooleanProperty("test.mutable-clock")
	MutableClock mutableClock() {
		return new MutableClock();
	}

	/**
	 * The database's time as the engine sees it, moved with the {@link MutableClock}: the
	 * engine follows the database's clock, so time a test lets pass must pass for both.
	 */
	@Bean
	@ConditionalOnBooleanProperty("test.mutable-clock")
	DatabaseTime mutableDatabaseTime(MutableClock clock, DataSource dataSource) {
		JdbcDatabaseTime database = new JdbcDatabaseTime(dataSource, DatabaseDialect.from(dataSource));
		return () -> database.now().plus(clock.offset());
	}

	@Bean
	@ConditionalOnBooleanProperty("test.invalid-cron-functions")
	InvalidCronFunctions invalidCronFunctions() {
		return new InvalidCronFunctions();
	}

	/**
	 * Instances of one application sharing broker, database and probe.
	 */
	static final class Cluster implements AutoCloseable {

		final Probe probe = new Probe();

		final Occupancy occupancy = new Occupancy();

		private final Map<String, Object> properties = new LinkedHashMap<>();

		private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

		Cluster(String jdbcUrl, String username, String password) {
			String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8);
			this.properties.put("spring.kafka.bootstrap-servers", TestKafka.bootstrapServers());
			this.properties.put("spring.datasource.url", jdbcUrl);
			this.properties.put("spring.datasource.username", username);
			this.properties.put("spring.datasource.password", password);
			this.properties.put("spring.application.name", prefix);
			this.properties.put("background-jobs.kafka.topic-prefix", prefix);
			this.properties.put("background-jobs.kafka.partitions", "4");
			this.properties.put("background-jobs.retry.initial-interval", "10ms");
			this.properties.put("background-jobs.retry.jitter", "0");
			this.properties.put("background-jobs.lease.duration", "3s");
			this.properties.put("background-jobs.lease.heartbeat-interval", "500ms");
			this.properties.put("background-jobs.poller.interval", "200ms");
			this.properties.put("background-jobs.shutdown-timeout", "2s");
			this.properties.put("spring.kafka.consumer.properties.max.poll.interval.ms", "3000");
			this.properties.put("spring.kafka.consumer.properties.session.timeout.ms", "6000");
			this.properties.put("spring.kafka.consumer.properties.heartbeat.interval.ms", "500");
			this.properties.put("logging.level.dev.backgroundjobs", "INFO");
		}

		Cluster with(String key, Object value) {
			this.properties.put(key, value);
			return this;
		}

		ConfigurableApplicationContext start() {
			return start(WebApplicationType.NONE);
		}

		ConfigurableApplicationContext start(WebApplicationType web, Class<?>... extraSources) {
			Class<?>[] sources = new Class<?>[extraSources.length + 1];
			sources[0] = TestApplication.class;
			System.arraycopy(extraSources, 0, sources, 1, extraSources.length);
			ConfigurableApplicationContext context = new SpringApplicationBuilder(sources).web(web)
				.properties(this.properties)
				.initializers((ctx) -> {
					ctx.getBeanFactory().registerSingleton("probe", this.probe);
					ctx.getBeanFactory().registerSingleton("occupancy", this.occupancy);
				})
				.run();
			this.instances.add(context);
			return context;
		}

		@Override
		public void close() {
			this.probe.release();
			for (ConfigurableApplicationContext context : this.instances) {
				if (context.isActive()) {
					context.close();
				}
			}
		}

		static void clearTables(DataSource dataSource) {
			JdbcClient jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits",
					"bj_cancel_keys", "bj_cancellations", "bj_intake_gates", "bj_batch_events", "bj_batches",
					"bj_throttles", "bj_concurrency_keys", "bj_singleton_keys", "bj_runs")) {
				try {
					jdbc.sql("DELETE FROM " + table).update();
				}
				catch (RuntimeException ex) {
					// The schema does not exist yet: the first context creates it.
				}
			}
		}

	}

}
