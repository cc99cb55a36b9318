package dev.backgroundjobs.test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.NonRetryableException;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.StepFailedException;
import org.junit.jupiter.api.Test;

import org.springframework.core.ParameterizedTypeReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link TestStep}.
 */
class TestStepTests {

	private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

	private final TestStep step = new TestStep().clock(Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void stepsRunInOrderAndTheirOutputsAndTheRunsOutputAreRecorded() {
		TestRun<String> run = this.step.execute(() -> {
			String name = this.step.run("load", String.class, () -> "Ada");
			this.step.run("greet", () -> {
			});
			return "Hello " + name;
		});
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("Hello Ada");
		assertThat(run.stepIds()).containsExactly("load", "greet");
		assertThat(run.step("load").output()).isEqualTo("Ada");
		assertThat(run.step("load").attempts()).isEqualTo(1);
	}

	@Test
	void aMockedStepReturnsItsResultWithoutRunningItsWork() {
		AtomicInteger calls = new AtomicInteger();
		TestRun<String> run = this.step.mock("load", "mocked")
			.execute(() -> this.step.run("load", String.class, () -> "real " + calls.incrementAndGet()));
		assertThat(run.output()).isEqualTo("mocked");
		assertThat(calls).hasValue(0);
	}

	@Test
	void aMockOfTheWrongTypeIsRejectedNamingTheStep() {
		TestRun<Integer> run = this.step.mock("count", "seven")
			.execute(() -> this.step.run("count", Integer.class, () -> 7));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.failure()).isInstanceOf(StepFailedException.class)
			.rootCause()
			.hasMessageContaining("step 'count'")
			.hasMessageContaining("java.lang.Integer");
	}

	@Test
	void aStepThatFailsFewerTimesThanItsRetriesSucceedsOnItsNextAttempt() {
		AtomicInteger calls = new AtomicInteger();
		TestRun<String> run = this.step.retries(3)
			.fail("charge", 2, new IOException("card service down"))
			.execute(() -> this.step.run("charge", String.class, () -> "charged " + calls.incrementAndGet()));
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("charged 1");
		assertThat(run.step("charge").attempts()).isEqualTo(3);
	}

	@Test
	void aStepWhoseRetriesRunOutFailsTheRunWithStepFailedException() {
		TestRun<String> run = this.step.retries(2)
			.fail("charge", 3, new IOException("card service down"))
			.execute(() -> this.step.run("charge", String.class, () -> "charged"));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.failure()).isInstanceOfSatisfying(StepFailedException.class, (ex) -> {
			assertThat(ex.getStepId()).isEqualTo("charge");
			assertThat(ex.getAttempts()).isEqualTo(3);
			assertThat(ex).hasRootCauseMessage("card service down");
		});
		assertThat(run.step("charge").completed()).isFalse();
		assertThat(run.step("charge").failure()).hasMessage("card service down");
	}

	@Test
	void aStepPolicyGivesItsAttemptsOverTheFunctionsRetries() {
		TestRun<String> run = this.step.retries(5)
			.fail("charge", 3, new IOException("card service down"))
			.execute(() -> this.step.withRetry(RetryPolicy.attempts(2)).run("charge", String.class, () -> "charged"));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.step("charge").attempts()).isEqualTo(2);
	}

	@Test
	void nonRetryableFailuresAndNoRetryOnTypesFailAtTheFirstAttempt() {
		TestRun<String> refused = this.step.fail("charge", 1, new NonRetryableException("card stolen"))
			.execute(() -> this.step.run("charge", String.class, () -> "charged"));
		assertThat(refused.status()).isEqualTo(RunStatus.FAILED);
		assertThat(refused.step("charge").attempts()).isOne();
		TestRun<String> declined = this.step.retryPolicy(RetryPolicy.defaults().noRetryOn(IllegalStateException.class))
			.fail("charge", 1)
			.execute(() -> this.step.run("charge", String.class, () -> "charged"));
		assertThat(declined.status()).isEqualTo(RunStatus.FAILED);
		assertThat(declined.step("charge").attempts()).isOne();
	}

	@Test
	void aHandlerCanCatchAFailedStepAndCompensate() {
		TestRun<String> run = this.step.retries(0).fail("charge", 1).execute(() -> {
			try {
				return this.step.run("charge", String.class, () -> "charged");
			}
			catch (StepFailedException ex) {
				this.step.run("refund", () -> {
				});
				return "refunded";
			}
		});
		assertThat(run.output()).isEqualTo("refunded");
		assertThat(run.stepIds()).containsExactly("charge", "refund");
	}

	@Test
	void aRepeatedStepIdGetsACounterSuffixAsInTheEngine() {
		TestRun<Void> run = this.step.mock("send#2", null).executeVoid(() -> {
			this.step.run("send", () -> {
			});
			this.step.run("send", () -> {
				throw new IllegalStateException("not mocked");
			});
		});
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.stepIds()).containsExactly("send", "send#2");
	}

	@Test
	void parallelBranchesAreStepsNamedAfterTheParallelStepAndTheirResultsKeepTheBranchOrder() {
		TestRun<List<String>> run = this.step.mock("load/orders", "mocked orders")
			.fail("load/user", 1)
			.execute(() -> this.step.parallel("load", List.of(Branch.of("user", String.class, () -> "Ada"),
					Branch.of("orders", String.class, () -> "real orders"))));
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.output()).containsExactly("Ada", "mocked orders");
		assertThat(run.stepIds()).containsExactly("load/user", "load/orders");
		assertThat(run.step("load/user").attempts()).isEqualTo(2);
	}

	@Test
	void aBranchWithAGenericResultTypeTakesAMockOfThatType() {
		TestRun<List<List<String>>> run = this.step.mock("split/words", List.of("mocked"))
			.execute(() -> this.step.parallel("split",
					List.of(Branch.of("words", new ParameterizedTypeReference<List<String>>() {
					}, () -> List.of("real")))));
		assertThat(run.output()).containsExactly(List.of("mocked"));
	}

	@Test
	void aFailedBranchFailsTheParallelStepAfterItsSiblingsHaveRun() {
		AtomicInteger siblings = new AtomicInteger();
		TestRun<List<Object>> run = this.step.retries(0)
			.fail("fan/first", 1)
			.execute(() -> this.step.parallel("fan", List.of(Branch.of("first", () -> {
			}), Branch.of("second", siblings::incrementAndGet))));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.failure()).isInstanceOfSatisfying(StepFailedException.class,
				(ex) -> assertThat(ex.getStepId()).isEqualTo("fan/first"));
		assertThat(siblings).hasValue(1);
	}

	@Test
	void aStepCalledInsideABranchFailsTheBranchNamingIt() {
		TestRun<List<Object>> run = this.step.retries(0)
			.execute(() -> this.step.parallel("outer", List.of(Branch.of("inner", () -> this.step.run("nested", () -> {
			})))));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.failure()).isInstanceOf(StepFailedException.class)
			.cause()
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("Step 'nested' is nested in branch 'outer/inner'");
		assertThat(run.stepIds()).containsExactly("outer/inner");
	}

	@Test
	void branchesWithTheSameNameAreRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.step.parallel("twice", List.of(Branch.of("same", () -> {
			}), Branch.of("same", () -> {
			}))))
			.withMessageContaining("two branches named 'same'");
	}

	@Test
	void aSleepReturnsAtOnceAndIsRecordedWithItsWakeTime() {
		TestRun<String> run = this.step.execute(() -> {
			this.step.sleep("cool-down", Duration.ofHours(1));
			this.step.sleepUntil("tomorrow", NOW.plus(Duration.ofDays(1)));
			return "done";
		});
		assertThat(run.output()).isEqualTo("done");
		assertThat(run.sleeps()).extracting(StepCall::id, StepCall::wakeAt)
			.containsExactly(tuple("cool-down", NOW.plus(Duration.ofHours(1))),
					tuple("tomorrow", NOW.plus(Duration.ofDays(1))));
	}

	@Test
	void withParkAtSleepsTheRunStopsSleepingAtItsFirstSleep() {
		TestRun<String> run = this.step.parkAtSleeps().execute(() -> {
			this.step.run("before", () -> {
			});
			this.step.sleep("cool-down", Duration.ofHours(1));
			this.step.run("after", () -> {
			});
			return "done";
		});
		assertThat(run.status()).isEqualTo(RunStatus.SLEEPING);
		assertThat(run.output()).isNull();
		assertThat(run.stepIds()).containsExactly("before", "cool-down");
	}

	@Test
	void waitForEventReturnsTheGivenEventWithItsPayloadConvertedToTheAwaitedType() {
		Event<Map<String, Object>> reviewed = new Event<>("e-1", "doc/reviewed",
				Map.of("documentId", "d-1", "approved", true), NOW);
		TestRun<Boolean> run = this.step.receive("review", reviewed).execute(() -> {
			Optional<Event<Review>> review = this.step.waitForEvent("review", "doc/reviewed", Review.class,
					Duration.ofDays(1), "data.documentId");
			return review.orElseThrow().data().approved();
		});
		assertThat(run.output()).isTrue();
		assertThat(run.step("review").wakeAt()).isEqualTo(NOW.plus(Duration.ofDays(1)));
	}

	@Test
	void genericStepsReturnTheirResultAndConvertAnAwaitedPayloadToTheGenericType() {
		Event<List<Map<String, Object>>> reviewed = new Event<>("e-1", "doc/reviewed",
				List.of(Map.of("documentId", "d-1", "approved", true)), NOW);
		TestRun<Boolean> run = this.step.receive("review", reviewed).execute(() -> {
			List<String> ids = this.step.run("ids", new ParameterizedTypeReference<List<String>>() {
			}, () -> List.of("d-1"));
			Optional<Event<List<Review>>> reviews = this.step.waitForEvent("review", "doc/reviewed",
					new ParameterizedTypeReference<List<Review>>() {
					}, Duration.ofDays(1), "data.documentId");
			return ids.equals(List.of("d-1")) && reviews.orElseThrow().data().get(0).approved();
		});
		assertThat(run.output()).isTrue();
	}

	@Test
	void waitForEventTimesOutWhenTold() {
		TestRun<String> run = this.step.timeOut("review")
			.execute(() -> this.step
				.waitForEvent("review", "doc/reviewed", Review.class, Duration.ofDays(1), "data.documentId")
				.map((event) -> "reviewed")
				.orElse("timed out"));
		assertThat(run.output()).isEqualTo("timed out");
	}

	@Test
	void waitForEventWithoutAnAnswerLeavesTheRunWaiting() {
		TestRun<String> run = this.step.execute(() -> this.step
			.waitForEvent("review", "doc/reviewed", Review.class, Duration.ofDays(1), "data.documentId")
			.map((event) -> "reviewed")
			.orElse("timed out"));
		assertThat(run.status()).isEqualTo(RunStatus.WAITING);
		assertThat(run.stepIds()).containsExactly("review");
	}

	@Test
	void anAnswerWithAnotherEventNameIsRejected() {
		TestRun<String> run = this.step.receive("review", Event.of("doc/deleted", Map.of()))
			.execute(() -> "x" + this.step.waitForEvent("review", "doc/reviewed", Review.class, Duration.ofDays(1),
					"data.documentId"));
		assertThat(run.failure()).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("'doc/reviewed'")
			.hasMessageContaining("'doc/deleted'");
	}

	@Test
	void sentEventsAreCaptured() {
		TestRun<String> run = this.step
			.execute(() -> this.step.sendEvent("announce", "doc/ready", Map.of("documentId", "d-1")));
		assertThat(run.sentEvents())
			.containsExactly(new SentEvent("announce", "doc/ready", Map.of("documentId", "d-1")));
		assertThat(run.output()).isEqualTo(run.step("announce").output());
	}

	@Test
	void anInvokedFunctionReturnsItsMockedResult() {
		TestRun<Integer> run = this.step.mock("score", 42)
			.execute(() -> this.step.invoke("score", "score-document", Map.of("id", "d-1"), Integer.class));
		assertThat(run.output()).isEqualTo(42);
		assertThat(run.invocations()).containsExactly(new Invocation("score", "score-document", Map.of("id", "d-1")));
	}

	@Test
	void anInvokedFunctionThatFailsFailsTheStepAtOnce() {
		TestRun<Integer> run = this.step.fail("score", 1)
			.execute(() -> this.step.invoke("score", "score-document", Map.of("id", "d-1"), Integer.class));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.failure()).isInstanceOfSatisfying(StepFailedException.class,
				(ex) -> assertThat(ex.getAttempts()).isEqualTo(1));
	}

	@Test
	void anInvokeWithoutAMockFailsNamingTheStepAndFunction() {
		TestRun<Integer> run = this.step
			.execute(() -> this.step.invoke("score", "score-document", Map.of("id", "d-1"), Integer.class));
		assertThat(run.failure()).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("'score'")
			.hasMessageContaining("'score-document'");
	}

	@Test
	void aHandlerThatThrowsFailsTheRun() {
		TestRun<String> run = this.step.execute(() -> {
			throw new IOException("boom");
		});
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.failure()).hasMessage("boom");
	}

	@Test
	void eachExecutionStartsAfresh() {
		Step step = this.step;
		this.step.execute(() -> step.run("one", String.class, () -> "1"));
		TestRun<String> second = this.step.execute(() -> step.run("two", String.class, () -> "2"));
		assertThat(second.stepIds()).containsExactly("two");
	}

	@Test
	void askingForAStepThatWasNotTakenNamesTheStepsThatWere() {
		TestRun<String> run = this.step.execute(() -> this.step.run("one", String.class, () -> "1"));
		assertThatIllegalArgumentException().isThrownBy(() -> run.step("two"))
			.withMessageContaining("'two'")
			.withMessageContaining("[one]");
	}

	@Test
	void negativeRetriesAreRejected() {
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> this.step.retries(-1))
			.withMessageContaining("'retries'");
	}

	record Review(String documentId, boolean approved) {

	}

}
