package dev.backgroundjobs.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Polls the health endpoint of every live app twice a second and keeps what each
 * answered, to tell whether health went DOWN during an outage and UP again after it.
 */
final class HealthMonitor implements AutoCloseable {

	private final Cluster cluster;

	private final List<Sample> samples = new CopyOnWriteArrayList<>();

	private final Thread thread;

	private final ExecutorService askers = Executors.newFixedThreadPool(6);

	private volatile boolean running = true;

	HealthMonitor(Cluster cluster) {
		this.cluster = cluster;
		this.thread = new Thread(this::poll, "health-monitor");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	private void poll() {
		while (this.running) {
			for (AppProcess app : this.cluster.apps()) {
				this.askers.execute(() -> {
					long at = System.currentTimeMillis();
					this.samples.add(new Sample(app.instanceId(), at, app.health()));
				});
			}
			try {
				Thread.sleep(500);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	/**
	 * Returns the apps that never reported DOWN between two times although they were
	 * polled then.
	 * @param fromMillis the start of the outage
	 * @param toMillis its end
	 * @return the instance ids
	 */
	List<String> neverDownDuring(long fromMillis, long toMillis) {
		List<String> result = new ArrayList<>();
		for (String instance : instancesPolledDuring(fromMillis, toMillis)) {
			boolean down = this.samples.stream()
				.anyMatch((sample) -> sample.instance().equals(instance) && sample.atMillis() >= fromMillis
						&& sample.atMillis() <= toMillis && sample.health() == AppProcess.Health.DOWN);
			if (!down) {
				result.add(instance);
			}
		}
		return result;
	}

	/**
	 * Returns how long after a time the slowest app first reported UP, or empty if one of
	 * them has not yet.
	 * @param fromMillis the end of the outage
	 * @param instances the apps to ask about
	 * @return the longest delay in milliseconds
	 */
	Optional<Long> upAfter(long fromMillis, List<String> instances) {
		long longest = 0;
		for (String instance : instances) {
			Optional<Long> first = this.samples.stream()
				.filter((sample) -> sample.instance().equals(instance) && sample.atMillis() >= fromMillis
						&& sample.health() == AppProcess.Health.UP)
				.map(Sample::atMillis)
				.min(Long::compare);
			if (first.isEmpty()) {
				return Optional.empty();
			}
			longest = Math.max(longest, first.get() - fromMillis);
		}
		return Optional.of(longest);
	}

	private List<String> instancesPolledDuring(long fromMillis, long toMillis) {
		return this.samples.stream()
			.filter((sample) -> sample.atMillis() >= fromMillis && sample.atMillis() <= toMillis)
			.map(Sample::instance)
			.distinct()
			.toList();
	}

	@Override
	public void close() {
		this.running = false;
		this.thread.interrupt();
		this.askers.shutdownNow();
	}

	/**
	 * One answer of one app.
	 *
	 * @param instance the instance id
	 * @param atMillis when it was asked
	 * @param health what it answered
	 */
	record Sample(String instance, long atMillis, AppProcess.Health health) {

	}

}
