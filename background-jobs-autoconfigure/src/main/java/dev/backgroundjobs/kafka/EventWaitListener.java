package dev.backgroundjobs.kafka;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventWaitStore;
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
 */
final class EventWaitListener implements BatchMessageListener<String, byte[]> {

	private static final LogAccessor logger = new LogAccessor(EventWaitListener.class);

	private final EventWaitStore waits;

	private final PayloadCodec codec;

	EventWaitListener(EventWaitStore waits, PayloadCodec codec) {
		this.waits = waits;
		this.codec = codec;
	}

	@Override
	public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
		List<IncomingEvent> events = new ArrayList<>();
		Set<String> names = new LinkedHashSet<>();
		for (ConsumerRecord<String, byte[]> record : records) {
			try {
				IncomingEvent event = IncomingEvent.from(record, this.codec);
				events.add(event);
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
		for (IncomingEvent event : events) {
			Set<String> paths = pathsByName.get(event.name());
			if (paths != null) {
				resolve(event, paths);
			}
		}
	}

	private void resolve(IncomingEvent event, Set<String> paths) {
		JsonNode data = this.codec.mapper().readTree(event.dataJson());
		String json = null;
		for (String path : paths) {
			String value = MatchExpression.valueAt(data, path);
			if (value != null) {
				json = (json != null) ? json : toJson(event, data);
				int resolved = this.waits.resolve(event.name(), path, value, event.timestamp(), json);
				if (resolved > 0) {
					logger.debug(() -> "Event " + event.id() + " '" + event.name() + "' resumed " + resolved
							+ " waiting runs");
				}
			}
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

}
