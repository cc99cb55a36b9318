package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchMessageListener;

/**
 * Turns the records of one poll into runs of one function: records them in one
 * transaction (a duplicate event finds its run and starts no other), leased to this
 * instance, and only then lets the container commit the offsets. The new runs go straight
 * to the worker pool.
 * <p>
 * A record that cannot be read becomes a dead letter with its raw bytes, and the
 * partition moves on. A database failure throws, so the container's error handler retries
 * the whole poll with backoff and no offset is committed for records that were not
 * recorded.
 */
final class RunIntakeListener implements BatchMessageListener<String, byte[]> {

	private static final LogAccessor logger = new LogAccessor(RunIntakeListener.class);

	private final FunctionDefinition function;

	private final Set<String> eventNames;

	private final RunStore runStore;

	private final DeadLetterStore deadLetterStore;

	private final DeadLetterPublisher deadLetterPublisher;

	private final RunDispatcher dispatcher;

	private final PayloadCodec codec;

	private final String instanceId;

	private final Duration lease;

	private final Runnable afterIntake;

	RunIntakeListener(FunctionDefinition function, FunctionConsumers.Collaborators collaborators, Duration lease,
			Runnable afterIntake) {
		this.function = function;
		this.eventNames = function.eventNames();
		this.runStore = collaborators.runStore();
		this.deadLetterStore = collaborators.deadLetterStore();
		this.deadLetterPublisher = collaborators.deadLetterPublisher();
		this.dispatcher = collaborators.dispatcher();
		this.codec = collaborators.codec();
		this.instanceId = collaborators.instanceId();
		this.lease = lease;
		this.afterIntake = afterIntake;
	}

	@Override
	public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
		Map<String, NewRun> runs = new HashMap<>();
		List<NewRun> ordered = new ArrayList<>();
		for (ConsumerRecord<String, byte[]> record : records) {
			IncomingEvent event;
			try {
				event = IncomingEvent.from(record, this.codec);
			}
			catch (PoisonRecordException ex) {
				poison(record, ex.getMessage());
				continue;
			}
			if (!this.eventNames.contains(event.name())) {
				continue;
			}
			NewRun run = new NewRun(NewRun.deriveRunId(this.function.id(), event.id()), this.function.id(), event.id(),
					event.name(), event.dataJson(), event.timestamp(), TraceHeaders.capture(record, this.codec));
			if (runs.putIfAbsent(run.runId(), run) == null) {
				ordered.add(run);
			}
		}
		if (ordered.isEmpty()) {
			return;
		}
		Set<String> inserted = new HashSet<>(this.runStore.insertLeased(ordered, this.instanceId, this.lease));
		int duplicates = ordered.size() - inserted.size();
		if (duplicates > 0) {
			logger.debug(() -> duplicates + " events for function '" + this.function.id()
					+ "' already had runs; no new run started for them");
		}
		Instant now = Instant.now();
		for (NewRun run : ordered) {
			if (inserted.contains(run.runId())) {
				this.dispatcher.dispatch(run.asLeased(this.instanceId, now), true);
			}
		}
		this.afterIntake.run();
	}

	private void poison(ConsumerRecord<String, byte[]> record, String reason) {
		logger.error(() -> "Record " + record.topic() + "-" + record.partition() + "@" + record.offset()
				+ " cannot be read for function '" + this.function.id() + "' and is now a dead letter: " + reason);
		String key = record.key();
		DeadLetterRecord deadLetter = new DeadLetterRecord(UUID.randomUUID().toString(), null, this.function.id(), null,
				reason, record.topic(), record.partition(), record.offset(),
				(key != null) ? key.getBytes(StandardCharsets.UTF_8) : null, record.value(), Instant.now());
		this.deadLetterStore.savePoison(deadLetter);
		this.deadLetterPublisher.publishPoison(record, this.function.id(), reason);
	}

}
