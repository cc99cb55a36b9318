package dev.backgroundjobs.kafka;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.backgroundjobs.function.CancelRule;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.NewRun;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import tools.jackson.databind.JsonNode;

import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataAccessException;
import org.springframework.kafka.listener.BatchMessageListener;

/**
 * Cancels the runs that the events of a poll cancel, for every function that declares
 * their names in {@code cancelOn}. The events are read by one consumer group per
 * application, so each is applied once, by whichever instance reads it; which runs it
 * cancels, and whether a run recorded later is cancelled on arrival, is decided by the
 * {@link CancellationStore} (see there why that is race-free), never by the order in
 * which the broker delivers events to the two consumer groups. A failure throws, so the
 * container retries the poll without committing its offsets; cancelling is idempotent.
 * Records that are not events are ignored: the function consumers dead-letter them.
 */
final class CancelEventListener implements BatchMessageListener<String, byte[]> {

	/**
	 * How long a cancelling event is remembered for runs recorded after it was read: a
	 * run whose triggering event is older but reaches the intake later than that is not
	 * cancelled by it.
	 */
	static final Duration CANCELLATION_RETENTION = Duration.ofDays(7);

	private static final Duration PRUNE_INTERVAL = Duration.ofHours(1);

	private static final LogAccessor logger = new LogAccessor(CancelEventListener.class);

	private final Map<String, List<Declaration>> declarationsByEvent;

	private final CancellationStore cancellations;

	private final PayloadCodec codec;

	private final Clock clock;

	private Instant lastPrune = Instant.MIN;

	CancelEventListener(Collection<FunctionDefinition> functions, CancellationStore cancellations, PayloadCodec codec,
			Clock clock) {
		this.declarationsByEvent = declarationsByEvent(functions);
		this.cancellations = cancellations;
		this.codec = codec;
		this.clock = clock;
	}

	/**
	 * Returns the names of the events that cancel runs of the functions.
	 * @param functions the functions
	 * @return the event names
	 */
	static Set<String> eventNames(Collection<FunctionDefinition> functions) {
		return declarationsByEvent(functions).keySet();
	}

	private static Map<String, List<Declaration>> declarationsByEvent(Collection<FunctionDefinition> functions) {
		Map<String, List<Declaration>> declarations = new LinkedHashMap<>();
		for (FunctionDefinition function : functions) {
			for (CancelRule rule : function.cancelRules()) {
				declarations.computeIfAbsent(rule.eventName(), (name) -> new ArrayList<>())
					.add(new Declaration(function.id(), rule));
			}
		}
		return declarations;
	}

	@Override
	public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
		for (ConsumerRecord<String, byte[]> record : records) {
			IncomingEvent event;
			try {
				event = IncomingEvent.from(record, this.codec);
			}
			catch (PoisonRecordException ex) {
				continue;
			}
			List<Declaration> declarations = this.declarationsByEvent.get(event.name());
			if (declarations != null) {
				cancel(event, declarations);
			}
		}
		pruneOccasionally();
	}

	private void cancel(IncomingEvent event, List<Declaration> declarations) {
		JsonNode data = this.codec.mapper().readTree(event.dataJson());
		for (Declaration declaration : declarations) {
			String path = declaration.rule().match().awaitedPath();
			String value = MatchExpression.valueAt(data, path);
			if (value == null) {
				logger.debug(() -> "Event " + event.id() + " '" + event.name() + "' has no value at '" + path
						+ "'; it cancels no run of function '" + declaration.functionId() + "'");
				continue;
			}
			int cancelled = this.cancellations.cancel(declaration.functionId(),
					new NewRun.CancelKey(event.name(), path, value), event.timestamp());
			logger.info(() -> "Event " + event.id() + " '" + event.name() + "' cancelled " + cancelled
					+ " runs of function '" + declaration.functionId() + "'");
		}
	}

	private void pruneOccasionally() {
		Instant now = this.clock.instant();
		if (Duration.between(this.lastPrune, now).compareTo(PRUNE_INTERVAL) < 0) {
			return;
		}
		this.lastPrune = now;
		try {
			int deleted = this.cancellations.deleteCancellations(CANCELLATION_RETENTION);
			logger.debug(() -> "Deleted " + deleted + " cancellations read more than " + CANCELLATION_RETENTION.toDays()
					+ " days ago");
		}
		catch (DataAccessException ex) {
			// Tried again at the next interval; the poll's cancellations are recorded.
			logger.debug(ex, "Could not delete old cancellations");
		}
	}

	/**
	 * A function's {@code cancelOn} declaration.
	 */
	private record Declaration(String functionId, CancelRule rule) {

	}

}
