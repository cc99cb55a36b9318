package dev.backgroundjobs.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Measures, after each kill, how long the runs the dead instance held (RUNNING or QUEUED
 * under its lease) take to be taken over by another instance.
 */
final class RecoveryProbe {

	private static final long GIVE_UP_MILLIS = 180_000;

	private final Cluster cluster;

	private final List<Long> resumeMillis = Collections.synchronizedList(new ArrayList<>());

	private final List<Thread> threads = new ArrayList<>();

	RecoveryProbe(Cluster cluster) {
		this.cluster = cluster;
	}

	/**
	 * Starts watching the runs of an instance that was just killed.
	 * @param instance the instance id
	 * @param killedAtMillis when it was killed
	 */
	void killed(String instance, long killedAtMillis) {
		Thread thread = new Thread(() -> watch(instance, killedAtMillis), "recovery-" + instance);
		thread.setDaemon(true);
		thread.start();
		this.threads.add(thread);
	}

	private void watch(String instance, long killedAtMillis) {
		if (held(instance) == 0) {
			return;
		}
		while (System.currentTimeMillis() - killedAtMillis < GIVE_UP_MILLIS) {
			try {
				Thread.sleep(250);
				if (held(instance) == 0) {
					this.resumeMillis.add(System.currentTimeMillis() - killedAtMillis);
					return;
				}
			}
			catch (InterruptedException ex) {
				return;
			}
			catch (RuntimeException ex) {
				// The database may be unreachable for a moment: ask again.
			}
		}
		this.resumeMillis.add(-1L);
	}

	private long held(String instance) {
		return JdbcClient.create(this.cluster.direct())
			.sql("SELECT count(*) FROM bj_runs WHERE lease_owner = ? AND status IN ('RUNNING', 'QUEUED')")
			.param(instance)
			.query(Long.class)
			.single();
	}

	/**
	 * Waits for the watches to end and describes the longest takeover.
	 * @return the description
	 */
	String describe() {
		for (Thread thread : this.threads) {
			try {
				thread.join(GIVE_UP_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		List<Long> times = new ArrayList<>(this.resumeMillis);
		if (times.isEmpty()) {
			return "no runs held at the kills";
		}
		if (times.contains(-1L)) {
			return "runs of a dead instance not taken over within " + GIVE_UP_MILLIS / 1000 + " s";
		}
		return "runs of the dead instance taken over after max " + Measures.max(times) / 1000.0 + " s (" + times.size()
				+ " kills with runs held)";
	}

}
