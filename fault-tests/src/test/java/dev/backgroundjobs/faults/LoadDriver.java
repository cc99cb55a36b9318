package dev.backgroundjobs.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends events through the apps' {@code EventPublisher}, spread over the live apps, and
 * records every event whose {@code send} returned (accepted) and every failed send.
 */
final class LoadDriver {

	private final Cluster cluster;

	private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();

	private final List<Long> sendMicros = Collections.synchronizedList(new ArrayList<>());

	private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

	private final Map<String, String> options;

	LoadDriver(Cluster cluster) {
		this(cluster, Map.of());
	}

	/**
	 * Creates a driver whose requests carry the given options.
	 * @param cluster the apps
	 * @param options request parameters of every {@code /send}, such as
	 * {@code transactional=true} to send each batch in a transaction (through the outbox)
	 */
	LoadDriver(Cluster cluster, Map<String, String> options) {
		this.cluster = cluster;
		this.options = options;
	}

	/**
	 * Sends events in batches from several threads, as fast as the apps take them or at a
	 * given rate, and returns when all were sent or given up on.
	 * @param names the event names, used in turn (repeat a name to weight it)
	 * @param total how many events to send
	 * @param perSecond the rate, or 0 for as fast as possible
	 * @param batch events per request
	 * @param threads concurrent requests
	 */
	void send(List<String> names, int total, double perSecond, int batch, int threads) {
		AtomicInteger next = new AtomicInteger();
		long start = System.nanoTime();
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		List<Future<?>> futures = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			futures.add(executor.submit(() -> {
				int first;
				while ((first = next.getAndAdd(batch)) < total) {
					if (perSecond > 0) {
						pace(start, first / perSecond);
					}
					int count = Math.min(batch, total - first);
					String name = names.get((first / batch) % names.size());
					sendBatch(name, count, this.options);
				}
				return null;
			}));
		}
		executor.shutdown();
		try {
			for (Future<?> future : futures) {
				future.get();
			}
			executor.awaitTermination(1, TimeUnit.MINUTES);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Load failed", ex);
		}
	}

	/**
	 * Sends one batch of events to a random live app, retrying on another if the app does
	 * not answer (a batch cut short by a crash is not sent again: its events were either
	 * accepted unseen or not at all).
	 * @param name the event name
	 * @param count how many events
	 * @param options request parameters of {@code /send}
	 * @return the ids accepted
	 */
	List<String> sendBatch(String name, int count, Map<String, String> options) {
		for (int attempt = 0; attempt < 20; attempt++) {
			List<AppProcess> apps = this.cluster.apps();
			if (apps.isEmpty()) {
				sleep(500);
				continue;
			}
			AppProcess app = this.cluster.randomApp();
			try {
				return record(name, app.send(name, count, options));
			}
			catch (java.io.IOException ex) {
				sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return List.of();
			}
			catch (IllegalArgumentException ex) {
				sleep(200);
			}
		}
		return List.of();
	}

	private List<String> record(String name, String answer) {
		List<String> ids = new ArrayList<>();
		long now = System.currentTimeMillis();
		for (String line : answer.split("\n")) {
			if (line.isEmpty()) {
				continue;
			}
			String[] parts = line.split(" ", 3);
			long micros = Long.parseLong(parts[1]);
			if (parts[0].equals("error")) {
				this.failures.add(new Failure(now, micros, parts[2]));
			}
			else {
				this.accepted.put(parts[0], new Accepted(parts[0], name, now));
				this.sendMicros.add(micros);
				ids.add(parts[0]);
			}
		}
		return ids;
	}

	private static void pace(long startNanos, double atSeconds) {
		long wait = startNanos + (long) (atSeconds * 1e9) - System.nanoTime();
		if (wait > 0) {
			sleep(wait / 1_000_000);
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Records an event as accepted that the driver did not see accepted, such as one
	 * committed by an app that died before it could answer.
	 * @param eventId the event id
	 * @param name the event name
	 */
	void accepted(String eventId, String name) {
		this.accepted.put(eventId, new Accepted(eventId, name, System.currentTimeMillis()));
	}

	Map<String, Accepted> accepted() {
		return this.accepted;
	}

	List<Long> sendMicros() {
		synchronized (this.sendMicros) {
			return new ArrayList<>(this.sendMicros);
		}
	}

	List<Failure> failures() {
		synchronized (this.failures) {
			return new ArrayList<>(this.failures);
		}
	}

	/**
	 * An event whose {@code send} returned.
	 *
	 * @param eventId the event id
	 * @param name the event name
	 * @param atMillis when the harness got the answer
	 */
	record Accepted(String eventId, String name, long atMillis) {

	}

	/**
	 * A {@code send} that failed.
	 *
	 * @param atMillis when the harness got the answer
	 * @param micros how long the send took
	 * @param message the exception
	 */
	record Failure(long atMillis, long micros, String message) {

	}

}
