package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that bad {@code background-jobs.*} values fail the start-up in the binding of
 * {@link BackgroundJobsProperties}, with a message naming the property.
 */
class BackgroundJobsPropertiesValidationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, BackgroundJobsAutoConfiguration.class))
		.withUserConfiguration(DataSourceConfiguration.class)
		.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1", "background-jobs.kafka.create-topics=false",
				"background-jobs.kafka.send-timeout=1s");

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			max-payload-size              | 0B
			shutdown-timeout              | -1s
			retry.max-retries             | -1
			retry.initial-interval        | 0s
			retry.multiplier              | 0.5
			retry.max-interval            | 0s
			retry.jitter                  | 1
			retry.park-threshold          | -1s
			worker.concurrency            | 0
			worker.queue-capacity         | -1
			worker.checkpoint-writers     | 0
			worker.branch-concurrency     | 0
			lease.duration                | 0s
			lease.heartbeat-interval      | 8s
			poller.interval               | 0s
			poller.batch-size             | 0
			kafka.topic-prefix            | ' '
			kafka.partitions              | 0
			kafka.replication-factor      | 0
			kafka.concurrency             | 0
			kafka.send-timeout            | 0s
			kafka.event-wait-idle-timeout | -1s
			kafka.dead-letter-relay-interval | 0s
			functions.my-fn.retry.max-retries | -1
			functions.my-fn.retry.initial-interval | 0s
			functions.my-fn.retry.multiplier | 0.5
			functions.my-fn.retry.max-interval | -1s
			functions.my-fn.retry.jitter | 1
			functions.my-fn.timeouts.start | 0s
			functions.my-fn.timeouts.finish | -1s
			functions.my-fn.timeouts.step | 0ms
			functions.my-fn.idempotency.window | 0s
			functions.my-fn.rate-limit.limit | 0
			functions.my-fn.rate-limit.period | -1m
			functions.my-fn.concurrency.limit | 0
			""")
	void badValueFailsTheStartUpNamingTheProperty(String property, String value) {
		String name = "background-jobs." + property;
		this.contextRunner.withPropertyValues(name + "=" + value)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(BindValidationException.class)
				.hasMessageContaining(name));
	}

	@Configuration(proxyBeanMethods = false)
	static class DataSourceConfiguration {

		@Bean
		DataSource dataSource() {
			return TestDatabases.h2();
		}

	}

}
