package dev.backgroundjobs.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.CheckpointStore;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Injects infrastructure faults into an application context of the integration tests:
 * wraps its {@link EventPublisher} and its {@link CheckpointStore} so that chosen calls
 * fail as they do during an outage.
 */
final class FaultInjector implements BeanPostProcessor {

	private final Map<String, AtomicInteger> brokerOutages = new ConcurrentHashMap<>();

	private final Map<String, Queue<RuntimeException>> checkpointFailures = new ConcurrentHashMap<>();

	private final Map<String, List<Checkpoint>> writtenCheckpoints = new ConcurrentHashMap<>();

	private volatile Duration checkpointDelay = Duration.ZERO;

	/**
	 * Makes the next sends of events with the given name fail as if the broker were down.
	 * @param eventName the event name
	 * @param times how many sends fail
	 */
	void brokerDown(String eventName, int times) {
		this.brokerOutages.put(eventName, new AtomicInteger(times));
	}

	/**
	 * Returns how many sends of events with the given name are still to fail.
	 * @param eventName the event name
	 * @return the remaining failures
	 */
	int remainingBrokerFailures(String eventName) {
		AtomicInteger remaining = this.brokerOutages.get(eventName);
		return (remaining != null) ? remaining.get() : 0;
	}

	/**
	 * Makes the next checkpoint transactions that hold a checkpoint of the given run
	 * fail, each with the next of the given failures.
	 * @param runId the run id
	 * @param failures the failures, in order
	 */
	void failCheckpoints(String runId, List<RuntimeException> failures) {
		this.checkpointFailures.put(runId, new ConcurrentLinkedQueue<>(failures));
	}

	/**
	 * Makes every checkpoint transaction take at least the given time more, as on a
	 * database that answers slowly.
	 * @param delay the added time
	 */
	void slowCheckpoints(Duration delay) {
		this.checkpointDelay = delay;
	}

	/**
	 * Returns how many checkpoint failures of a run are still to happen.
	 * @param runId the run id
	 * @return the remaining failures
	 */
	int remainingCheckpointFailures(String runId) {
		Queue<RuntimeException> failures = this.checkpointFailures.get(runId);
		return (failures != null) ? failures.size() : 0;
	}

	/**
	 * Returns the checkpoints of a run that the store wrote, in order.
	 * @param runId the run id
	 * @return the written checkpoints
	 */
	List<Checkpoint> writtenCheckpoints(String runId) {
		return List.copyOf(this.writtenCheckpoints.getOrDefault(runId, List.of()));
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof CheckpointStore store) {
			return (CheckpointStore) (checkpoints) -> {
				slowDown();
				for (Checkpoint checkpoint : checkpoints) {
					Queue<RuntimeException> failures = this.checkpointFailures.get(checkpoint.runId());
					RuntimeException failure = (failures != null) ? failures.poll() : null;
					if (failure != null) {
						throw failure;
					}
				}
				List<Boolean> written = store.write(checkpoints);
				for (int i = 0; i < checkpoints.size(); i++) {
					if (written.get(i)) {
						this.writtenCheckpoints
							.computeIfAbsent(checkpoints.get(i).runId(),
									(runId) -> Collections.synchronizedList(new ArrayList<>()))
							.add(checkpoints.get(i));
					}
				}
				return written;
			};
		}
		if (bean instanceof EventPublisher publisher) {
			return new EventPublisher() {

				@Override
				public String send(String name, Object data) {
					return send(Event.of(name, data));
				}

				@Override
				public String send(Event<?> event) {
					AtomicInteger outage = FaultInjector.this.brokerOutages.get(event.name());
					if (outage != null && outage.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
						throw new BrokerUnavailableException(
								"Simulated broker outage: could not send event '" + event.name() + "'", null);
					}
					return publisher.send(event);
				}

			};
		}
		return bean;
	}

	private void slowDown() {
		try {
			Thread.sleep(this.checkpointDelay.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new org.springframework.dao.QueryTimeoutException("Interrupted while the database was slow", ex);
		}
	}

}
