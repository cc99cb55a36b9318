package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.backgroundjobs.engine.Executions;
import dev.backgroundjobs.engine.Faults;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.BatchSettings;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.BatchedEvent;
import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.util.Assert;

/**
 * Turns the records of one poll into runs of one function: records them in one
 * transaction (a duplicate event finds its run and starts no other), leased to this
 * instance, and only then lets the container commit the offsets. The new runs go straight
 * to the worker pool, except those that an event named in the function's {@code cancelOn}
 * cancelled before they were recorded: the
 * {@link dev.backgroundjobs.store.CancellationStore} cancels them once they are recorded,
 * and they never start. A function that declares an idempotency key, a rate limit or a
 * singleton records its runs through {@link RunStore#insertLeasedGated}: the events its
 * gates or singleton keep out start no run, and are counted by {@link SkippedEvents}; the
 * runs a singleton in {@code CANCEL} mode supersedes stop at their next step boundary,
 * told at once if this instance executes them. A batched function's events start no run
 * of their own: they are stored in the {@link BatchStore}, and the runs of the batches
 * they fill are dispatched instead. A function with a throttle records its runs there
 * too, and its runs start at the time the throttle assigns: at once, after a short wait
 * on this instance, or as delayed runs that the due-work poller of some instance starts.
 * A function with a concurrency limit records its runs there too: its runs that get no
 * slot are recorded {@link dev.backgroundjobs.RunStatus#DELAYED} and not dispatched; the
 * due-work poller starts them as slots free up.
 * <p>
 * A record that cannot be read becomes a dead letter with its raw bytes and headers, and
 * the partition moves on. A transient failure ({@link Faults#isTransient}) throws, so the
 * container's error handler retries the whole poll with backoff and no offset is
 * committed for records that were not recorded. A permanent one (a value the database
 * refuses) must not wedge the partition: the poll's runs are recorded one by one, and
 * those that still fail become dead letters.
 */
final class RunIntakeListener implements BatchMessageListener<String, byte[]> {

	private static final LogAccessor logger = new LogAccessor(RunIntakeListener.class);

	private static final Duration SKIP_LOG_INTERVAL = Duration.ofMinutes(1);

	private final FunctionDefinition function;

	private final Set<String> eventNames;

	private final RunStore runStore;

	private final CancellationStore cancellations;

	private final DeadLetterStore deadLetterStore;

	private final DeadLetterRelay deadLetterRelay;

	private final RunDispatcher dispatcher;

	private final PayloadCodec codec;

	private final NewRuns newRuns;

	private final String instanceId;

	private final Clock clock;

	private final Duration lease;

	private final Duration holdAhead;

	private final Runnable afterIntake;

	private final SkippedEvents skippedEvents;

	private final @Nullable BatchSettings batch;

	private final @Nullable BatchStore batches;

	private final @Nullable Executions executions;

	/**
	 * When skipped events were last logged at INFO, in {@link System#nanoTime()}; the
	 * others are logged at DEBUG, so a flood of skipped events does not flood the log.
	 */
	private long skipsLoggedAt;

	RunIntakeListener(FunctionDefinition function, FunctionConsumers.Collaborators collaborators, Duration lease,
			Runnable afterIntake) {
		this(function, collaborators, lease, Duration.ZERO, afterIntake);
	}

	RunIntakeListener(FunctionDefinition function, FunctionConsumers.Collaborators collaborators, Duration lease,
			Duration holdAhead, Runnable afterIntake) {
		this.function = function;
		this.eventNames = function.eventNames();
		this.runStore = collaborators.runStore();
		this.cancellations = collaborators.cancellations();
		this.deadLetterStore = collaborators.deadLetterStore();
		this.deadLetterRelay = collaborators.deadLetterRelay();
		this.dispatcher = collaborators.dispatcher();
		this.codec = collaborators.codec();
		this.newRuns = new NewRuns(function, this.codec);
		this.instanceId = collaborators.instanceId();
		this.clock = collaborators.clock();
		this.lease = lease;
		this.holdAhead = holdAhead;
		this.afterIntake = afterIntake;
		this.skippedEvents = collaborators.skippedEvents();
		this.batch = function.batch();
		this.batches = collaborators.batches();
		this.executions = collaborators.executions();
		Assert.state(this.batch == null || this.batches != null,
				() -> "Function '" + function.id() + "' is batched, but no BatchStore is configured");
		this.skipsLoggedAt = System.nanoTime() - SKIP_LOG_INTERVAL.toNanos();
	}

	@Override
	public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
		Map<String, ConsumerRecord<String, byte[]>> sources = new HashMap<>();
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
			NewRun run = this.newRuns.of(event, TraceHeaders.capture(record, this.codec));
			if (sources.putIfAbsent(run.runId(), record) == null) {
				ordered.add(run);
			}
		}
		if (!ordered.isEmpty()) {
			try {
				record(ordered);
			}
			catch (RuntimeException ex) {
				if (Faults.isTransient(ex)) {
					// The error handler retries the poll, committing no offset.
					throw ex;
				}
				recordOneByOne(ordered, sources, ex);
			}
		}
		this.afterIntake.run();
	}

	/**
	 * Records the runs of events, or, for a batched function, stores the events for their
	 * batches and dispatches the runs of the batches they filled.
	 */
	private void record(List<NewRun> runs) {
		if (this.batch == null || this.batches == null) {
			dispatch(runs, insert(runs));
			return;
		}
		List<BatchedEvent> events = new ArrayList<>(runs.size());
		for (NewRun run : runs) {
			String key = (this.batch.keyPath() != null)
					? MatchExpression.valueAt(this.codec.mapper().readTree(run.eventData()), this.batch.keyPath())
					: null;
			events.add(new BatchedEvent(run.functionId(), (key != null) ? key : "", run.eventId(), run.eventName(),
					run.eventData(), run.eventTime(), run.traceContext()));
		}
		List<NewRun> filled = this.batches.add(events, this.batch.maxSize(), this.instanceId, this.lease);
		Instant now = this.clock.instant();
		for (NewRun run : filled) {
			logger.debug(() -> "Batch " + run.eventId() + " of function '" + this.function.id() + "' is full: run "
					+ run.runId());
			this.dispatcher.dispatch(run.asLeased(this.instanceId, now), true);
		}
	}

	/**
	 * Records runs, through the function's flow control only if it declares any: a
	 * function without flow control records its runs as before, with no further
	 * statement.
	 */
	private RunStore.GatedInsert insert(List<NewRun> runs) {
		if (!this.function.limitsIntake()) {
			return new RunStore.GatedInsert(this.runStore.insertLeased(runs, this.instanceId, this.lease), Map.of());
		}
		RunStore.GatedInsert result = this.runStore.insertLeasedGated(runs, this.instanceId, this.lease,
				this.holdAhead);
		if (!result.delayed().isEmpty()) {
			logger.debug(() -> "Delayed " + result.delayed().size() + " new runs of function '" + this.function.id()
					+ "' by its flow control");
			if (this.function.concurrency() != null) {
				this.dispatcher.runsWaiting(this.function.id());
			}
		}
		if (!result.skipped().isEmpty()) {
			reportSkipped(result.skipped());
		}
		if (!result.superseded().isEmpty()) {
			reportSuperseded(result.superseded());
		}
		return result;
	}

	/**
	 * Logs the runs that new runs of their singleton key cancelled, and stops those
	 * executing here at once; other instances stop theirs when their lease heartbeat
	 * finds them cancelled, and any execution at its next fenced write.
	 */
	private void reportSuperseded(Map<String, String> superseded) {
		superseded.forEach((runId, reason) -> logger
			.info(() -> "Cancelled run " + runId + " of function '" + this.function.id() + "': " + reason));
		if (this.executions != null) {
			this.executions.cancelled(superseded.keySet(), "superseded by a new run of its singleton key");
		}
	}

	private void reportSkipped(Map<String, String> skipped) {
		Map<String, Integer> byReason = new TreeMap<>();
		skipped.values().forEach((reason) -> byReason.merge(reason, 1, Integer::sum));
		byReason.forEach((reason, count) -> {
			try {
				this.skippedEvents.skipped(this.function.id(), reason, count);
			}
			catch (RuntimeException ex) {
				logger.warn(ex, "Could not count skipped events");
			}
		});
		long now = System.nanoTime();
		boolean info = now - this.skipsLoggedAt >= SKIP_LOG_INTERVAL.toNanos();
		if (info) {
			this.skipsLoggedAt = now;
		}
		Supplier<String> message = () -> "Skipped " + byReason + " events of function '" + this.function.id()
				+ "' (reason to count): no run started for them"
				+ (info ? "; further skips are logged at DEBUG for " + SKIP_LOG_INTERVAL.toSeconds() + "s" : "");
		if (info) {
			logger.info(message);
		}
		else {
			logger.debug(message);
		}
	}

	/**
	 * Records the runs of a poll one at a time after the poll as a whole failed for good,
	 * so that the record that causes the failure becomes a dead letter and the others
	 * run. A transient failure still fails the poll, to be retried.
	 */
	private void recordOneByOne(List<NewRun> runs, Map<String, ConsumerRecord<String, byte[]>> sources,
			RuntimeException failure) {
		logger.warn(failure, () -> "Could not record " + runs.size() + " events for function '" + this.function.id()
				+ "'; recording them one by one to find those that cannot be stored");
		for (NewRun run : runs) {
			try {
				record(List.of(run));
			}
			catch (RuntimeException ex) {
				if (Faults.isTransient(ex)) {
					throw ex;
				}
				poison(sources.get(run.runId()), "Event " + run.eventId() + " cannot be recorded for function '"
						+ this.function.id() + "': " + ex.getMessage());
			}
		}
	}

	private void dispatch(List<NewRun> runs, RunStore.GatedInsert result) {
		Collection<String> insertedIds = result.inserted();
		Set<String> inserted = new HashSet<>(insertedIds);
		if (!this.function.cancelRules().isEmpty()) {
			// Checked for every run of the poll, not only those inserted now: a run
			// inserted by a delivery that failed before this check is checked on the
			// redelivery.
			Set<String> cancelled = this.cancellations.cancelRecorded(runs);
			if (!cancelled.isEmpty()) {
				logger.info(() -> "Cancelled " + cancelled.size() + " new runs of function '" + this.function.id()
						+ "' on arrival: events that cancel them arrived first");
				inserted.removeAll(cancelled);
			}
		}
		int duplicates = runs.size() - insertedIds.size() - result.skipped().size() - result.held().size()
				- result.delayed().size();
		if (duplicates > 0) {
			logger.debug(() -> duplicates + " events for function '" + this.function.id()
					+ "' already had runs; no new run started for them");
		}
		Instant now = this.clock.instant();
		for (NewRun run : runs) {
			if (inserted.contains(run.runId())) {
				this.dispatcher.dispatch(run.asLeased(this.instanceId, now), true);
			}
			Duration startsIn = result.held().get(run.runId());
			if (startsIn != null) {
				// A run cancelled on arrival has a newer version: its start is refused.
				this.dispatcher.dispatchAfter(run.asHeld(this.instanceId, now), startsIn);
			}
		}
	}

	/**
	 * Records a record as a dead letter with its raw key, bytes and headers. Its id comes
	 * from the record's coordinates, so a redelivery adds no second dead letter.
	 */
	private void poison(ConsumerRecord<String, byte[]> record, String reason) {
		String id = DeadLetterRecord.poisonId(this.function.id(), record.topic(), record.partition(), record.offset());
		String key = record.key();
		DeadLetterRecord deadLetter = new DeadLetterRecord(id, null, this.function.id(), null, reason, record.topic(),
				record.partition(), record.offset(), (key != null) ? key.getBytes(StandardCharsets.UTF_8) : null,
				record.value(), this.clock.instant(), headersOf(record));
		if (this.deadLetterStore.savePoison(deadLetter)) {
			logger.error(() -> "Record " + record.topic() + "-" + record.partition() + "@" + record.offset()
					+ " cannot be read for function '" + this.function.id() + "' and is now dead letter " + id + ": "
					+ reason);
			this.deadLetterRelay.wakeUp();
		}
		else {
			logger.debug(() -> "Record " + record.topic() + "-" + record.partition() + "@" + record.offset()
					+ " is already dead letter " + id);
		}
	}

	private static byte @Nullable [] headersOf(ConsumerRecord<String, byte[]> record) {
		try {
			return RecordHeadersCodec.encode(record.headers());
		}
		catch (RuntimeException ex) {
			// A header name too long to encode: the dead letter keeps key and value.
			return null;
		}
	}

}
