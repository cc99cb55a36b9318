package dev.backgroundjobs.it;

import java.time.Duration;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;

import org.springframework.context.ConfigurableApplicationContext;

import static org.awaitility.Awaitility.await;

/**
 * Waits, in the integration tests, for a run to reach a status.
 */
final class RunAwait {

	static final Duration TIMEOUT = Duration.ofSeconds(60);

	private RunAwait() {
	}

	/**
	 * Waits until the run of a function for an event has the given status.
	 * @param context the application whose store to read
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param status the awaited status
	 * @return the run
	 */
	static RunRecord awaitStatus(ConfigurableApplicationContext context, String functionId, String eventId,
			RunStatus status) {
		RunStore runs = context.getBean(RunStore.class);
		String runId = NewRun.deriveRunId(functionId, eventId);
		await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
			RunRecord run = runs.find(runId);
			return run != null && run.status() == status;
		});
		return runs.find(runId);
	}

}
