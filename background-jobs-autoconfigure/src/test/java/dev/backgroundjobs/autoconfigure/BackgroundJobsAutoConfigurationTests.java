package dev.backgroundjobs.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import javax.sql.DataSource;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.actuate.BackgroundJobsHealthIndicator;
import dev.backgroundjobs.actuate.RunCountGauges;
import dev.backgroundjobs.actuate.RunMetrics;
import dev.backgroundjobs.engine.EngineSettings;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.engine.RunLog;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.kafka.FunctionConsumers;
import dev.backgroundjobs.kafka.ProducerWarmUp;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.schedule.EngineLifecycle;
import dev.backgroundjobs.schedule.TakeoverHold;
import dev.backgroundjobs.schedule.TimerOffset;
import dev.backgroundjobs.store.CheckpointStore;
import dev.backgroundjobs.store.DatabaseTime;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.jdbc.init.DatabaseInitializationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link BackgroundJobsAutoConfiguration} and its switches, without a broker or
 * a database: each test asserts what is or is not created, not what runs.
 */
class BackgroundJobsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, BackgroundJobsAutoConfiguration.class,
				BackgroundJobsEndpointAutoConfiguration.class, BackgroundJobsHealthAutoConfiguration.class,
				BackgroundJobsMetricsAutoConfiguration.class))
		.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1", "background-jobs.kafka.create-topics=false",
				"background-jobs.kafka.send-timeout=1s");

	@Test
	void withOneDataSourceEveryPartIsCreated() {
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(EventPublisher.class)
				.hasSingleBean(RunOperations.class)
				.hasSingleBean(PayloadCodec.class)
				.hasSingleBean(RunStore.class)
				.hasSingleBean(EngineLifecycle.class)
				.hasSingleBean(FunctionConsumers.class)
				.hasSingleBean(ProducerWarmUp.class));
	}

	@Test
	void aTimerOffsetMovesTheEnginesTimersButNotItsLeases() {
		TimerOffset offset = new TimerOffset();
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withBean(TimerOffset.class, () -> offset)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				offset.advance(Duration.ofDays(1));
				Instant now = Instant.now();
				assertThat(context.getBean(EngineSettings.class).clock().instant())
					.isAfter(now.plus(Duration.ofHours(23)));
				assertThat(context.getBean(TakeoverHold.class).takeoverCutoff())
					.isBefore(now.plus(Duration.ofHours(1)));
			});
	}

	@Test
	void noThreadStartsBeforeTheLifecycleStarts() {
		Set<Thread> before = Thread.getAllStackTraces().keySet();
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withBean(FirstLifecycle.class, () -> new FirstLifecycle(before))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(FirstLifecycle.class).threadsAtStart).isEmpty();
			});
	}

	@Test
	void healthIndicatorIsCreatedWithSpringBootHealth() {
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasSingleBean(BackgroundJobsHealthIndicator.class));
	}

	@Test
	void healthIndicatorIsNotCreatedWithoutSpringBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(EventPublisher.class)
				.doesNotHaveBean(BackgroundJobsHealthIndicator.class));
	}

	@Test
	void healthIndicatorIsNotCreatedWhenDisabled() {
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withPropertyValues("management.health.jobs.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(BackgroundJobsHealthIndicator.class));
	}

	@Test
	void healthIndicatorBacksOffWhenTheApplicationDefinesOneOfTheSameName() {
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withBean("jobsHealthIndicator", HealthIndicator.class, () -> () -> Health.up().build())
			.run((context) -> assertThat(context).doesNotHaveBean(BackgroundJobsHealthIndicator.class)
				.hasBean("jobsHealthIndicator"));
	}

	@Test
	void metricsAreCreatedWithAMeterRegistry() {
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(RunMetrics.class).hasSingleBean(RunCountGauges.class));
	}

	@Test
	void metricsAreNotCreatedWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(EventPublisher.class)
				.doesNotHaveBean(RunMetrics.class)
				.doesNotHaveBean(RunCountGauges.class));
	}

	@Test
	void metricsBackOffWhenTheApplicationDefinesThem() {
		MeterRegistry registry = new SimpleMeterRegistry();
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withBean(MeterRegistry.class, () -> registry)
			.withBean("userRunMetrics", RunMetrics.class, () -> new RunMetrics(registry))
			.run((context) -> assertThat(context.getBeansOfType(RunMetrics.class)).containsOnlyKeys("userRunMetrics"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("userBeans")
	<T> void aUserBeanOfAPublicTypeMakesOursBackOff(Class<T> type, Supplier<T> userBean) {
		this.contextRunner.withUserConfiguration(OneDataSource.class)
			.withBean("userBean", type, userBean)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(type)).containsOnlyKeys("userBean");
			});
	}

	static Stream<Arguments> userBeans() {
		PayloadCodec codec = new PayloadCodec(JsonMapper.builder().build(), DataSize.ofKilobytes(64));
		return Stream.of(userBean(EventPublisher.class, () -> mock(EventPublisher.class)),
				userBean(RunOperations.class, () -> mock(RunOperations.class)),
				userBean(PayloadCodec.class, () -> codec), userBean(FunctionRegistry.class, FunctionRegistry::new),
				userBean(InstanceId.class, () -> new InstanceId("user-instance")),
				userBean(TopicNames.class, () -> new TopicNames("user-topics", "user-groups")),
				userBean(RunStore.class, () -> mock(RunStore.class)),
				userBean(StepStore.class, () -> mock(StepStore.class)),
				userBean(CheckpointStore.class, () -> mock(CheckpointStore.class)),
				userBean(EventWaitStore.class, () -> mock(EventWaitStore.class)),
				userBean(DeadLetterStore.class, () -> mock(DeadLetterStore.class)),
				userBean(DatabaseTime.class, () -> Instant::now), userBean(EventLog.class, () -> mock(EventLog.class)),
				userBean(DatabaseDialect.class, () -> DatabaseDialect.H2),
				userBean(RunLog.class, () -> new RunLog(Clock.systemUTC())));
	}

	private static <T> Arguments userBean(Class<T> type, Supplier<T> bean) {
		return Arguments.of(type, bean);
	}

	@Test
	void disabledStarterCreatesNoneOfItsBeans() {
		this.contextRunner
			.withPropertyValues("background-jobs.enabled=false", "management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class)
				.doesNotHaveBean(BackgroundJobsProperties.class)
				.doesNotHaveBean("backgroundJobsScheduler"));
	}

	@Test
	void withoutADataSourceTheStarterBacksOff() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(EventPublisher.class)
			.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withTwoDataSourcesAndNoPrimaryTheStarterBacksOff() {
		this.contextRunner.withUserConfiguration(TwoDataSources.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutKafkaOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutTheKafkaClientsOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaProducer.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutSpringBootsKafkaSupportOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaConnectionDetails.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutSpringBootsJdbcSupportOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(DatabaseInitializationProperties.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void enabledIsTheDefault() {
		assertThat(new BackgroundJobsProperties().isEnabled()).isTrue();
	}

	/**
	 * Started before every lifecycle bean of the starter, once every singleton exists:
	 * records the threads of the starter and its Kafka clients that are already running.
	 */
	static class FirstLifecycle implements SmartLifecycle {

		private final Set<Thread> before;

		private final List<String> threadsAtStart = new ArrayList<>();

		private volatile boolean running;

		FirstLifecycle(Set<Thread> before) {
			this.before = before;
		}

		@Override
		public void start() {
			for (Thread thread : Thread.getAllStackTraces().keySet()) {
				String name = thread.getName();
				if (!this.before.contains(thread)
						&& (name.startsWith("background-jobs-") || name.startsWith("kafka-"))) {
					this.threadsAtStart.add(name);
				}
			}
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return Integer.MIN_VALUE;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OneDataSource {

		@Bean
		DataSource dataSource() {
			return TestDatabases.h2();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwoDataSources {

		@Bean
		DataSource first() {
			return new DriverManagerDataSource("jdbc:h2:mem:first");
		}

		@Bean
		DataSource second() {
			return new DriverManagerDataSource("jdbc:h2:mem:second");
		}

	}

}
