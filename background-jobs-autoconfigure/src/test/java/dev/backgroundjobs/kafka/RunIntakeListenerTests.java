package dev.backgroundjobs.kafka;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.TestEngineSettings;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.ConcurrencyLimit;
import dev.backgroundjobs.function.EventTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.FunctionRetrySettings;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RunIntakeListener}'s handling of failures to record a poll, and of
 * runs that its function's flow control made wait.
 */
class RunIntakeListenerTests {

	private static final String TOPIC = "jobs.test.event";

	private static final Instant NOW = Instant.parse("2030-05-06T07:08:09Z");

	private static final PayloadCodec CODEC = new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1));

	private final List<List<String>> insertCalls = new ArrayList<>();

	private final List<DeadLetterRecord> deadLetters = new ArrayList<>();

	@Test
	void permanentFailureDeadLettersOnlyTheRecordThatCausesIt() {
		RunIntakeListener listener = listener((runs) -> {
			if (runs.stream().anyMatch((run) -> run.eventId().equals("bad"))) {
				throw new DataIntegrityViolationException("value out of range");
			}
			// Recorded before: nothing new to dispatch.
			return List.of();
		});
		listener.onMessage(List.of(record(0, "good-1"), record(1, "bad"), record(2, "good-2")));
		assertThat(this.insertCalls).containsExactly(List.of("good-1", "bad", "good-2"), List.of("good-1"),
				List.of("bad"), List.of("good-2"));
		assertThat(this.deadLetters).singleElement().satisfies((deadLetter) -> {
			assertThat(deadLetter.id()).isEqualTo(DeadLetterRecord.poisonId("fn", TOPIC, 0, 1));
			assertThat(deadLetter.error()).contains("Event bad cannot be recorded for function 'fn'")
				.contains("value out of range");
			assertThat(deadLetter.rawValue()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
			assertThat(RecordHeadersCodec.decode(deadLetter.rawHeaders()))
				.anySatisfy((header) -> assertThat(header.key()).isEqualTo(EventHeaders.ID));
		});
	}

	@Test
	void deadLettersAreStampedWithTheInjectedClock() {
		RunIntakeListener listener = listener((runs) -> {
			throw new DataIntegrityViolationException("value out of range");
		});
		listener.onMessage(List.of(record(0, "bad")));
		assertThat(this.deadLetters).singleElement()
			.satisfies((deadLetter) -> assertThat(deadLetter.createdAt()).isEqualTo(NOW));
	}

	@Test
	void transientFailureFailsThePollWithoutDeadLetters() {
		RunIntakeListener listener = listener((runs) -> {
			throw new CannotCreateTransactionException("database unreachable");
		});
		assertThatExceptionOfType(CannotCreateTransactionException.class)
			.isThrownBy(() -> listener.onMessage(List.of(record(0, "good-1"), record(1, "bad"))));
		assertThat(this.insertCalls).hasSize(1);
		assertThat(this.deadLetters).isEmpty();
	}

	@Test
	void runsMadeToWaitForASlotAreAnnouncedOnceRecorded() throws Exception {
		FunctionDefinition function = new FunctionDefinition("fn", "bean", Object.class.getMethod("toString"),
				List.of(new EventTrigger("test/event")), FunctionRetrySettings.of(0).defaults(), null, null, null,
				List.of(), List.of(), null, null, new ConcurrencyLimit(1, "data.key", null), null);
		List<List<String>> answers = new ArrayList<>(List.of(List.of("wait-1"), List.of()));
		RunStore runStore = (RunStore) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { RunStore.class }, (proxy, method, args) -> {
					if (method.getName().equals("insertLeasedGated")) {
						@SuppressWarnings("unchecked")
						List<NewRun> runs = (List<NewRun>) args[0];
						List<String> waiting = answers.remove(0)
							.stream()
							.map((eventId) -> NewRun.deriveRunId("fn", eventId))
							.toList();
						List<String> started = runs.stream()
							.map(NewRun::runId)
							.filter((runId) -> !waiting.contains(runId))
							.toList();
						return new RunStore.GatedInsert(started, Map.of(), Map.of(), waiting, Map.of());
					}
					throw new UnsupportedOperationException(method.getName());
				});
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
		try {
			List<Runnable> started = new ArrayList<>();
			RunDispatcher dispatcher = new RunDispatcher(new WorkerPool(started::add, 4, 100),
					new RunExecutor(runStore, null, new FunctionRegistry(), null, TestEngineSettings.of(), List.of(),
							null, null, null, null),
					scheduler, new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0));
			List<String> announced = new ArrayList<>();
			dispatcher.onRunsWaiting(announced::add);
			RunIntakeListener listener = new RunIntakeListener(function, new FunctionConsumers.Collaborators(runStore,
					null, null, null, dispatcher, CODEC, "instance", Clock.fixed(NOW, ZoneOffset.UTC)),
					Duration.ofMinutes(1), () -> {
					});
			listener.onMessage(List.of(record(0, "start-1"), record(1, "wait-1")));
			assertThat(announced).containsExactly("fn");
			// A poll whose runs all got a slot says nothing.
			listener.onMessage(List.of(record(2, "start-2")));
			assertThat(announced).containsExactly("fn");
		}
		finally {
			scheduler.shutdownNow();
		}
	}

	private RunIntakeListener listener(Function<List<NewRun>, List<String>> insert) {
		RunStore runStore = (RunStore) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { RunStore.class }, (proxy, method, args) -> {
					if (method.getName().equals("insertLeased")) {
						@SuppressWarnings("unchecked")
						List<NewRun> runs = (List<NewRun>) args[0];
						this.insertCalls.add(runs.stream().map(NewRun::eventId).toList());
						return insert.apply(runs);
					}
					throw new UnsupportedOperationException(method.getName());
				});
		FunctionDefinition function;
		try {
			function = new FunctionDefinition("fn", "bean", Object.class.getMethod("toString"),
					List.of(new EventTrigger("test/event")), 0, null);
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
		PayloadCodec codec = CODEC;
		DeadLetterStore store = new CollectingDeadLetters();
		DeadLetterRelay relay = new DeadLetterRelay(store,
				new DeadLetterPublisher(null, codec, runStore, new TopicNames("jobs", "app"), Duration.ofSeconds(1)),
				Duration.ofSeconds(1));
		return new RunIntakeListener(function, new FunctionConsumers.Collaborators(runStore, null, store, relay, null,
				codec, "instance", Clock.fixed(NOW, ZoneOffset.UTC)), Duration.ofMinutes(1), () -> {
				});
	}

	private static ConsumerRecord<String, byte[]> record(long offset, String eventId) {
		ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(TOPIC, 0, offset, eventId,
				"{}".getBytes(StandardCharsets.UTF_8));
		record.headers().add(EventHeaders.ID, eventId.getBytes(StandardCharsets.UTF_8));
		record.headers().add(EventHeaders.NAME, "test/event".getBytes(StandardCharsets.UTF_8));
		record.headers()
			.add(EventHeaders.TIMESTAMP,
					Instant.parse("2026-01-01T00:00:00Z").toString().getBytes(StandardCharsets.UTF_8));
		return record;
	}

	private final class CollectingDeadLetters implements DeadLetterStore {

		@Override
		public boolean savePoison(DeadLetterRecord deadLetter) {
			RunIntakeListenerTests.this.deadLetters.add(deadLetter);
			return true;
		}

		@Override
		public int relayUnpublished(int limit, Function<List<DeadLetterRecord>, Collection<String>> publisher) {
			return 0;
		}

		@Override
		public long countUnpublished() {
			return 0;
		}

		@Override
		public @Nullable DeadLetterRecord find(String id) {
			return null;
		}

		@Override
		public List<DeadLetterRecord> findAll(int limit) {
			return List.copyOf(RunIntakeListenerTests.this.deadLetters);
		}

		@Override
		public List<DeadLetterRecord> findByFunction(String functionId, int limit) {
			return List.of();
		}

		@Override
		public boolean delete(String id) {
			return false;
		}

		@Override
		public long count() {
			return RunIntakeListenerTests.this.deadLetters.size();
		}

		@Override
		public List<DeadLetterRecord> findMatching(DeadLetterFilter filter) {
			throw new UnsupportedOperationException();
		}

	}

}
