package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.EventWaitStore.Arrival;
import dev.backgroundjobs.store.EventWaitStore.Resolution;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchMessageListener;

/**
 * Resolves the waits of runs that an incoming event matches. One query per poll finds
 * which paths the open waits read from events of the poll's names; each event then costs
 * one indexed lookup per path, and none when no run waits for its name. Records that are
 * not events are ignored: the function consumers dead-letter them.
 * <p>
 * The query runs after the poll, so it sees every wait that began before any event of the
 * poll reached the broker: a wait's row is visible before the wait reads where the log
 * ends (see {@link EventWaitStore}). Which of the matched waits an event resolves is
 * decided by its offset against each wait's start, never by a timestamp. A matched wait
 * still being recorded (no start yet) is waited for, for at most
 * {@link #PENDING_PATIENCE} per poll; after that it is restarted, which makes it begin
 * after this event.
 */
final class EventWaitListener implements BatchMessageListener<String, byte[]> {

	/**
	 * Longest a poll waits for matched waits to record their start: far longer than the
	 * few milliseconds between a wait's two transactions, far shorter than the consumer's
	 * poll interval limit.
	 */
	static final Duration PENDING_PATIENCE = Duration.ofSeconds(1);

	private static final Duration PENDING_CHECK_INTERVAL = Duration.ofMillis(10);

	private static final LogAccessor logger = new LogAccessor(EventWaitListener.class);

	private final EventWaitStore waits;

	private final PayloadCodec codec;

	EventWaitListener(EventWaitStore waits, PayloadCodec codec) {
		this.waits = waits;
		this.codec = codec;
	}

	@Override
	public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
		List<ReadEvent> events = new ArrayList<>();
		Set<String> names = new LinkedHashSet<>();
		for (ConsumerRecord<String, byte[]> record : records) {
			try {
				IncomingEvent event = IncomingEvent.from(record, this.codec);
				events.add(new ReadEvent(event, record.partition(), record.offset()));
				names.add(event.name());
			}
			catch (PoisonRecordException ex) {
				// Not an event: nothing can wait for it.
			}
		}
		Map<String, Set<String>> pathsByName = this.waits.matchPaths(names);
		if (pathsByName.isEmpty()) {
			return;
		}
		long deadline = System.nanoTime() + PENDING_PATIENCE.toNanos();
		for (ReadEvent event : events) {
			Set<String> paths = pathsByName.get(event.event().name());
			if (paths != null) {
				resolve(event, paths, deadline);
			}
		}
	}

	private void resolve(ReadEvent read, Set<String> paths, long deadline) {
		IncomingEvent event = read.event();
		JsonNode data = this.codec.mapper().readTree(event.dataJson());
		Arrival arrival = null;
		for (String path : paths) {
			String value = MatchExpression.valueAt(data, path);
			if (value != null) {
				arrival = (arrival != null) ? arrival
						: new Arrival(event.name(), read.partition(), read.offset(), toJson(event, data));
				Resolution resolution = this.waits.resolve(arrival, path, value, false);
				while (resolution.pending() > 0) {
					boolean patient = System.nanoTime() < deadline && pause();
					if (!patient) {
						logger.debug(() -> "Restarting waits for event '" + event.name() + "' that did not record "
								+ "their start within " + PENDING_PATIENCE.toMillis() + " ms");
					}
					resolution = this.waits.resolve(arrival, path, value, !patient);
				}
				int resolved = resolution.resolved();
				if (resolved > 0) {
					logger.debug(() -> "Event " + event.id() + " '" + event.name() + "' resumed " + resolved
							+ " waiting runs");
				}
			}
		}
	}

	private static boolean pause() {
		try {
			Thread.sleep(PENDING_CHECK_INTERVAL.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private String toJson(IncomingEvent event, JsonNode data) {
		ObjectNode json = this.codec.mapper().createObjectNode();
		json.put("id", event.id());
		json.put("name", event.name());
		json.put("timestamp", event.timestamp().toString());
		json.set("data", data);
		return json.toString();
	}

	/**
	 * An event and where it was read.
	 */
	private record ReadEvent(IncomingEvent event, int partition, long offset) {

	}

}
