package dev.backgroundjobs.it;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the starter lives inside the application around it: it takes none of the
 * application's infrastructure (Boot's task scheduler) and follows Boot's switches
 * (virtual threads).
 */
class HostApplicationIntegrationTests {

	private TestApplication.Cluster cluster;

	@BeforeEach
	void setUp() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_host_it"));
		this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password());
		TestApplication.Cluster.clearTables(database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void applicationScheduledMethodsKeepBootsTaskScheduler() {
		ConfigurableApplicationContext app = this.cluster.start(WebApplicationType.NONE, ScheduledApplication.class);
		assertThat(app.getBeansOfType(TaskScheduler.class)).containsKey("taskScheduler");
		ScheduledApplication scheduled = app.getBean(ScheduledApplication.class);
		await().atMost(Duration.ofSeconds(30)).until(() -> !scheduled.threads.isEmpty());
		assertThat(scheduled.threads).allSatisfy((thread) -> assertThat(thread).startsWith("scheduling-"));
	}

	@Test
	void workersArePlatformThreadsUnlessBootsVirtualThreadsAreEnabled() {
		ConfigurableApplicationContext app = this.cluster.start(WebApplicationType.NONE, ThreadRecorder.class);
		String eventId = app.getBean(dev.backgroundjobs.EventPublisher.class).send("test/thread", "platform");
		awaitStatus(app, "record-thread", eventId, RunStatus.COMPLETED);
		assertThat(app.getBean(ThreadRecorder.class).virtual).containsExactly(false);
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void workersAreVirtualThreadsWhenBootsVirtualThreadsAreEnabled() {
		ConfigurableApplicationContext app = this.cluster.with("spring.threads.virtual.enabled", "true")
			.start(WebApplicationType.NONE, ThreadRecorder.class);
		String eventId = app.getBean(dev.backgroundjobs.EventPublisher.class).send("test/thread", "virtual");
		awaitStatus(app, "record-thread", eventId, RunStatus.COMPLETED);
		assertThat(app.getBean(ThreadRecorder.class).virtual).containsExactly(true);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class ScheduledApplication {

		final Set<String> threads = ConcurrentHashMap.newKeySet();

		@Scheduled(fixedDelay = 100)
		void tick() {
			this.threads.add(Thread.currentThread().getName());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadRecorder {

		final Set<Boolean> virtual = ConcurrentHashMap.newKeySet();

		@Bean
		ThreadRecordingFunction threadRecordingFunction() {
			return new ThreadRecordingFunction(this.virtual);
		}

	}

	static class ThreadRecordingFunction {

		private final Set<Boolean> virtual;

		ThreadRecordingFunction(Set<Boolean> virtual) {
			this.virtual = virtual;
		}

		@EventHandler(id = "record-thread", event = "test/thread")
		void record(Event<String> event, Step step) {
			step.run("record", () -> this.virtual.add(isVirtual(Thread.currentThread())));
		}

		private static boolean isVirtual(Thread thread) {
			try {
				return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
			}
			catch (ReflectiveOperationException ex) {
				// Before Java 21 every thread is a platform thread.
				return false;
			}
		}

	}

}
