package dev.backgroundjobs.function;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.backgroundjobs.Batch;
import dev.backgroundjobs.CancelOn;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.Idempotency;
import dev.backgroundjobs.Debounce;
import dev.backgroundjobs.RateLimit;
import dev.backgroundjobs.Singleton;
import dev.backgroundjobs.Throttle;
import dev.backgroundjobs.Timeouts;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.json.MatchExpression;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FunctionRegistrar}.
 */
class FunctionRegistrarTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(FunctionTestConfiguration.class);

	@Test
	void defaultIdIsBeanNameAndMethodName() {
		this.contextRunner.withBean("documents", Valid.class)
			.run(function("documents.defaultId",
					(definition) -> assertThat(definition.method().getName()).isEqualTo("defaultId")));
	}

	@Test
	void retriesDefaultToTheConfiguredValue() {
		this.contextRunner.withBean("documents", Valid.class)
			.run(function("documents.defaultId", (definition) -> assertThat(definition.retries()).isEqualTo(4)));
	}

	@Test
	void retriesFromTheAnnotationOverrideTheDefault() {
		this.contextRunner.withBean("documents", Valid.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("three-retries").retries()).isEqualTo(3);
			assertThat(registry.find("no-retries").retries()).isZero();
		});
	}

	@Test
	void eventTriggersKeepTheirDeclaredOrder() {
		this.contextRunner.withBean("documents", Valid.class)
			.run(function("three-retries", (definition) -> assertThat(definition.triggers())
				.containsExactly(new EventTrigger("doc/uploaded"), new EventTrigger("doc/replaced"))));
	}

	@Test
	void unixCronIsAccepted() {
		this.contextRunner.withBean("crons", Crons.class).run(function("unix", (definition) -> {
			assertThat(definition.triggers()).containsExactly(new CronTrigger("0 * * * *", ZoneId.of("UTC")));
			assertThat(((CronTrigger) definition.triggers().get(0)).cronExpression()).hasToString("0 0 * * * *");
		}));
	}

	@Test
	void springCronIsAccepted() {
		this.contextRunner.withBean("crons", Crons.class)
			.run(function("spring", (definition) -> assertThat(definition.triggers())
				.containsExactly(new CronTrigger("*/10 * * * * MON-FRI", ZoneId.of("UTC")))));
	}

	@Test
	void cronMacrosAreAccepted() {
		this.contextRunner.withBean("crons", Crons.class)
			.run(function("macro", (definition) -> assertThat(definition.triggers())
				.containsExactly(new CronTrigger("@hourly", ZoneId.of("UTC")))));
	}

	@Test
	void cronZoneIsApplied() {
		this.contextRunner.withBean("crons", Crons.class)
			.run(function("zoned", (definition) -> assertThat(definition.triggers())
				.containsExactly(new CronTrigger("30 9 * * 1", ZoneId.of("Europe/Paris")))));
	}

	@Test
	void eventsAndCronCanTriggerTheSameFunction() {
		this.contextRunner.withBean("crons", Crons.class)
			.run(function("both", (definition) -> assertThat(definition.triggers())
				.containsExactly(new EventTrigger("report/requested"), new CronTrigger("@daily", ZoneId.of("UTC")))));
	}

	@Test
	void duplicateIdsFailNamingBothMethods() {
		this.contextRunner.withBean("first", DuplicateA.class)
			.withBean("second", DuplicateB.class)
			.run(failsWith("@EventHandler method '" + DuplicateB.class.getName() + ".handle' of bean 'second': "
					+ "attribute 'id' is 'same', which is also the id of the function of method '"
					+ DuplicateA.class.getName() + ".handle' of bean 'first'; function ids must be unique"));
	}

	@Test
	void handlerWithoutEventOrCronFails() {
		this.contextRunner.withBean("bad", NoTrigger.class)
			.run(failsWith("@EventHandler method '" + NoTrigger.class.getName() + ".handle' of bean 'bad': "
					+ "attributes 'event' and 'cron' are both empty; declare the events that trigger the "
					+ "function, a cron schedule, or both"));
	}

	@Test
	void blankEventNameFails() {
		this.contextRunner.withBean("bad", BlankEvent.class)
			.run(failsWith(problem(BlankEvent.class, "attribute 'event' has a blank event name at index 1")));
	}

	@Test
	void cancelOnIsReadWithItsMatch() {
		this.contextRunner.withBean("orders", Cancellable.class)
			.run(function("ship", (definition) -> assertThat(definition.cancelRules()).containsExactly(
					new CancelRule("order/cancelled", MatchExpression.parse("data.orderId")),
					new CancelRule("order/replaced", MatchExpression.parse("event.data.orderId == async.data.old")))));
	}

	@Test
	void cancelOnWithAnInvalidMatchFails() {
		this.contextRunner.withBean("bad", BadCancelMatch.class)
			.run(failsWith(problem(BadCancelMatch.class, "attribute 'cancelOn' at index 0 (event 'order/cancelled'): "
					+ "Match expression 'orderId' is not valid: 'orderId' is not a path such as 'data.documentId'")));
	}

	@Test
	void cancelOnWithABlankEventFails() {
		this.contextRunner.withBean("bad", BlankCancelEvent.class)
			.run(failsWith(problem(BlankCancelEvent.class, "attribute 'cancelOn' has a blank event name at index 0")));
	}

	@Test
	void cancelOnWithoutAnEventTriggerFails() {
		this.contextRunner.withBean("bad", CronCancel.class)
			.run(failsWith(problem(CronCancel.class, "attribute 'cancelOn' needs an 'event' trigger")));
	}

	@Test
	void cronWithAnInvalidFieldFails() {
		this.contextRunner.withBean("bad", BadCronField.class)
			.run(failsWith(problem(BadCronField.class,
					"attribute 'cron' is '61 * * * *', which is not a valid cron expression: ")));
	}

	@Test
	void cronWithTheWrongNumberOfFieldsFails() {
		this.contextRunner.withBean("bad", BadCronLength.class)
			.run(failsWith(problem(BadCronLength.class,
					"attribute 'cron' is '* * *', which is not a valid cron expression: found 3 fields; "
							+ "use 5 fields (Unix cron, '0 * * * *'), 6 fields (Spring cron with seconds, "
							+ "'0 0 * * * *') or a macro such as '@hourly'")));
	}

	@Test
	void unknownCronMacroFails() {
		this.contextRunner.withBean("bad", BadCronMacro.class)
			.run(failsWith(problem(BadCronMacro.class,
					"attribute 'cron' is '@fortnightly', which is not a valid cron expression: unknown macro; "
							+ "use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")));
	}

	@Test
	void invalidZoneFails() {
		this.contextRunner.withBean("bad", BadZone.class)
			.run(failsWith(
					problem(BadZone.class, "attribute 'zone' is 'Mars/Olympus', which is not a valid time zone")));
	}

	@Test
	void negativeRetriesFail() {
		this.contextRunner.withBean("bad", NegativeRetries.class)
			.run(failsWith(problem(NegativeRetries.class, "attribute 'retries' is -2; use 0 or more, or leave it "
					+ "unset for the configured default (4)")));
	}

	@Test
	void timeoutThatIsNotADurationFails() {
		this.contextRunner.withBean("bad", BadTimeout.class)
			.run(failsWith(problem(BadTimeout.class, "attribute 'timeouts.step' is 'soon', which is not a duration; "
					+ "use a value such as \"500ms\", \"30s\", \"10m\" or \"2h\"")));
	}

	@Test
	void zeroTimeoutFails() {
		this.contextRunner.withBean("bad", ZeroTimeout.class)
			.run(failsWith(problem(ZeroTimeout.class,
					"attribute 'timeouts.finish' is '0s'; use a positive duration, or leave it empty for no timeout")));
	}

	@Test
	void invalidIdFailsNamingTheRule() {
		this.contextRunner.withBean("bad", BadId.class)
			.run(failsWith(problem(BadId.class, "attribute 'id' is 'send mail!', which is not valid: a function "
					+ "id must be 1 to 200 letters, digits and the characters . _ - / : because it becomes part "
					+ "of Kafka consumer group names")));
	}

	@Test
	void idLongerThan200CharactersFails() {
		this.contextRunner.withBean("bad", LongId.class)
			.run(failsWith(problem(LongId.class, "attribute 'id' is '" + "x".repeat(201) + "', which is not valid")));
	}

	@Test
	void invalidDefaultIdAsksForAnExplicitId() {
		this.contextRunner.withBean("bad bean", NoId.class)
			.run(failsWith("@EventHandler method '" + NoId.class.getName() + ".handle' of bean 'bad bean': "
					+ "attribute 'id' is not set and the default id 'bad bean.handle' (<bean name>.<method name>) "
					+ "is not valid"));
	}

	@Test
	void unsupportedParameterTypeFails() {
		this.contextRunner.withBean("bad", UnsupportedParameter.class)
			.run(failsWith(problem(UnsupportedParameter.class, "parameter 'name' (position 2) of type "
					+ "java.lang.String is not supported; a handler may declare, in any order, an Event<T> (or a "
					+ "List<Event<T>> when batched), a Step and a RunContext parameter")));
	}

	@Test
	void sameParameterTypeTwiceFails() {
		this.contextRunner.withBean("bad", TwoSteps.class)
			.run(failsWith(problem(TwoSteps.class,
					"parameter 'second' (position 3) of type dev.backgroundjobs.Step "
							+ "repeats the kind of parameter 'first' (position 1) of type dev.backgroundjobs.Step; "
							+ "a handler declares at most one Event<T>, one Step and one RunContext")));
	}

	@Test
	void twoEventParametersFail() {
		this.contextRunner.withBean("bad", TwoEvents.class)
			.run(failsWith(problem(TwoEvents.class, "parameter 'other' (position 2) of type "
					+ "dev.backgroundjobs.Event<java.lang.String> repeats the kind of parameter 'event'")));
	}

	@Test
	void eventWithAnUnresolvablePayloadTypeFails() {
		this.contextRunner.withBean("bad", UnresolvablePayload.class)
			.run(failsWith(problem(UnresolvablePayload.class,
					"parameter 'event' (position 1) of type "
							+ "dev.backgroundjobs.Event<T>: the payload type T of Event parameter 'event' cannot be "
							+ "resolved; declare a concrete type such as Event<MyPayload>, or Event<?> to receive a "
							+ "JsonNode")));
	}

	@Test
	void batchIsRead() {
		this.contextRunner.withBean("views", Batched.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("index-views").batch())
				.isEqualTo(new BatchSettings(100, Duration.ofSeconds(5), "data.customerId"));
			assertThat(registry.find("count-views").batch())
				.isEqualTo(new BatchSettings(3, Duration.ofMinutes(1), null));
			assertThat(registry.find("index-views").gates()).isEmpty();
		});
	}

	@Test
	void batchPropertiesOverrideTheAnnotation() {
		this.contextRunner.withBean("views", Batched.class)
			.withBean("index-views", FlowControlOverrides.class,
					() -> new FlowControlOverrides(null, null, null, 20, Duration.ofSeconds(30)))
			.run(function("index-views", (definition) -> assertThat(definition.batch())
				.isEqualTo(new BatchSettings(20, Duration.ofSeconds(30), "data.customerId"))));
	}

	@Test
	void eventListWithoutBatchFails() {
		this.contextRunner.withBean("bad", UnbatchedList.class)
			.run(failsWith(problem(UnbatchedList.class,
					"a List<Event<T>> parameter receives a batch of events, but "
							+ "the function declares no 'batch'; add batch = @Batch(maxSize = 100, timeout = \"5s\"), "
							+ "or take one Event<T>")));
	}

	@Test
	void batchWithoutAnEventListFails() {
		this.contextRunner.withBean("bad", BatchOfOne.class)
			.run(failsWith(problem(BatchOfOne.class, "attribute 'batch' is set, but the method takes no "
					+ "List<Event<T>> parameter to receive the batch; declare one in place of Event<T>")));
	}

	@Test
	void batchWithoutATimeoutFails() {
		this.contextRunner.withBean("bad", BatchWithoutTimeout.class)
			.run(failsWith(problem(BatchWithoutTimeout.class,
					"attribute 'batch.timeout' is '', which is not a positive duration")));
	}

	@Test
	void batchWithATooLargeSizeFails() {
		this.contextRunner.withBean("bad", HugeBatch.class)
			.run(failsWith(problem(HugeBatch.class, "attribute 'batch.maxSize' is 10001; use a size from 1 to 10000")));
	}

	@Test
	void batchWithAKeyButNoSizeFails() {
		this.contextRunner.withBean("bad", BatchWithoutSize.class)
			.run(failsWith(
					problem(BatchWithoutSize.class, "attribute 'batch' sets a key or timeout but no 'maxSize'")));
	}

	@Test
	void batchOnACronFunctionFails() {
		this.contextRunner.withBean("bad", CronBatch.class)
			.run(failsWith(problem(CronBatch.class, "attribute 'batch' needs 'event' triggers and no 'cron'")));
	}

	@Test
	void batchWithARateLimitFails() {
		this.contextRunner.withBean("bad", RateLimitedBatch.class)
			.run(failsWith(problem(RateLimitedBatch.class,
					"attribute 'batch' cannot be combined with 'idempotency', 'rateLimit' or 'cancelOn'")));
	}

	@Test
	void batchTimeoutPropertyWithoutABatchFails() {
		this.contextRunner.withBean("bad", Unlimited.class)
			.withBean("job", FlowControlOverrides.class,
					() -> new FlowControlOverrides(null, null, null, null, Duration.ofSeconds(5)))
			.run(failsWith(problem(Unlimited.class, "property 'background-jobs.functions.job.batch.timeout' is "
					+ "set, but neither the function nor 'batch.max-size' sets a batch size")));
	}

	@Test
	void asynchronousReturnTypeFails() {
		this.contextRunner.withBean("bad", AsyncResult.class)
			.run(failsWith(problem(AsyncResult.class, "return type java.util.concurrent.CompletableFuture is "
					+ "asynchronous, which is not supported; return the result itself")));
	}

	@Test
	void everyProblemIsReportedAndNothingIsRegistered() {
		this.contextRunner.withBean("bad", NegativeRetries.class)
			.withBean("worse", BadZone.class)
			.withBean("documents", Valid.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).isInstanceOfSatisfying(InvalidEventHandlerException.class,
						(ex) -> {
							assertThat(ex.getProblems()).hasSize(2);
							assertThat(ex).hasMessageStartingWith("2 invalid @EventHandler declarations:");
						});
			});
	}

	@Test
	void failureHandlerIsRegisteredAsAFunctionOfItsOwn() {
		this.contextRunner.withBean("documents", WithFailureHandler.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			FunctionDefinition function = registry.find("process");
			assertThat(function.failureHandlerId()).isEqualTo("process.on-failure");
			assertThat(function.failureOf()).isNull();
			FunctionDefinition handler = registry.find("process.on-failure");
			assertThat(handler.method().getName()).isEqualTo("processFailed");
			assertThat(handler.triggers()).isEmpty();
			assertThat(handler.retries()).isEqualTo(4);
			assertThat(handler.failureOf()).isEqualTo("process");
			assertThat(handler.failureHandlerId()).isNull();
		});
	}

	@Test
	void failureHandlerThatIsMissingFails() {
		this.contextRunner.withBean("bad", MissingFailureHandler.class)
			.run(failsWith(problem(MissingFailureHandler.class, "attribute 'onFailure' is 'nowhere', but class "
					+ MissingFailureHandler.class.getName()
					+ " has no method of that name; name one method of the same bean, with a name of its own")));
	}

	@Test
	void failureHandlerWithOverloadsFails() {
		this.contextRunner.withBean("bad", OverloadedFailureHandler.class)
			.run(failsWith(problem(OverloadedFailureHandler.class, "attribute 'onFailure' is 'failed', but class "
					+ OverloadedFailureHandler.class.getName() + " has 2 methods of that name")));
	}

	@Test
	void failureHandlerThatIsAnEventHandlerFails() {
		this.contextRunner.withBean("bad", AnnotatedFailureHandler.class)
			.run(failsWith(problem(AnnotatedFailureHandler.class,
					"attribute 'onFailure' is 'other', which is an @EventHandler method itself")));
	}

	@Test
	void failureHandlerWithAnUnsupportedParameterFails() {
		this.contextRunner.withBean("bad", BadFailureHandlerParameter.class)
			.run(failsWith(problem(BadFailureHandlerParameter.class,
					"attribute 'onFailure' is 'failed': parameter 'text' (position 1) of type java.lang.String "
							+ "is not supported")));
	}

	@Test
	void functionFailureParameterOnAnEventHandlerFails() {
		this.contextRunner.withBean("bad", FailureOnEventHandler.class)
			.run(failsWith(problem(FailureOnEventHandler.class,
					"a FunctionFailure parameter is only for the method named by another function's 'onFailure'")));
	}

	@Test
	void failureHandlerIdThatClashesWithAFunctionIdFails() {
		this.contextRunner.withBean("bad", ClashingFailureHandler.class)
			.run(failsWith(problem(ClashingFailureHandler.class,
					"attribute 'onFailure' makes a failure handler with the id 'job.on-failure', which is also "
							+ "the id of the function of method")));
	}

	@Test
	void idempotencyAndRateLimitAreRead() {
		this.contextRunner.withBean("orders", FlowControlled.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("charge").gates()).containsExactly(
					new IntakeGate(IntakeGate.Kind.IDEMPOTENCY, "data.orderId", 1, Duration.ofHours(24)),
					new IntakeGate(IntakeGate.Kind.RATE_LIMIT, "data.customerId", 60, Duration.ofMinutes(1)));
			assertThat(registry.find("notify").gates())
				.containsExactly(new IntakeGate(IntakeGate.Kind.RATE_LIMIT, null, 5, Duration.ofSeconds(10)));
			assertThat(registry.find("unlimited").gates()).isEmpty();
		});
	}

	@Test
	void flowControlPropertiesOverrideTheAnnotation() {
		this.contextRunner.withBean("orders", FlowControlled.class)
			.withBean("charge", FlowControlOverrides.class,
					() -> new FlowControlOverrides(Duration.ofHours(2), 10, Duration.ofSeconds(30)))
			.run(function("charge", (definition) -> assertThat(definition.gates()).containsExactly(
					new IntakeGate(IntakeGate.Kind.IDEMPOTENCY, "data.orderId", 1, Duration.ofHours(2)),
					new IntakeGate(IntakeGate.Kind.RATE_LIMIT, "data.customerId", 10, Duration.ofSeconds(30)))));
	}

	@Test
	void idempotencyWindowThatIsNotADurationFails() {
		this.contextRunner.withBean("bad", BadIdempotencyWindow.class)
			.run(failsWith(problem(BadIdempotencyWindow.class, "attribute 'idempotency.window' is 'soon', which is "
					+ "not a positive duration; use a value such as \"30s\", \"10m\" or \"24h\"")));
	}

	@Test
	void idempotencyKeyThatIsNotAPathFails() {
		this.contextRunner.withBean("bad", BadIdempotencyKey.class)
			.run(failsWith(problem(BadIdempotencyKey.class, "attribute 'idempotency.key': Match expression "
					+ "'orderId' is not valid: 'orderId' is not a path such as 'data.documentId'")));
	}

	@Test
	void rateLimitWithoutAPeriodFails() {
		this.contextRunner.withBean("bad", RateLimitWithoutPeriod.class)
			.run(failsWith(problem(RateLimitWithoutPeriod.class, "attribute 'rateLimit.period' is empty")));
	}

	@Test
	void rateLimitWithANegativeLimitFails() {
		this.contextRunner.withBean("bad", NegativeRateLimit.class)
			.run(failsWith(
					problem(NegativeRateLimit.class, "attribute 'rateLimit.limit' is -1; use a positive limit")));
	}

	@Test
	void rateLimitWithAKeyButNoLimitFails() {
		this.contextRunner.withBean("bad", RateLimitWithoutLimit.class)
			.run(failsWith(
					problem(RateLimitWithoutLimit.class, "attribute 'rateLimit' sets a key or period but no 'limit'")));
	}

	@Test
	void flowControlWithoutAnEventTriggerFails() {
		this.contextRunner.withBean("bad", CronRateLimit.class)
			.run(failsWith(
					problem(CronRateLimit.class, "attributes 'idempotency' and 'rateLimit' need an 'event' trigger")));
	}

	@Test
	void idempotencyWindowPropertyWithoutAKeyFails() {
		this.contextRunner.withBean("bad", Unlimited.class)
			.withBean("job", FlowControlOverrides.class,
					() -> new FlowControlOverrides(Duration.ofHours(1), null, null))
			.run(failsWith(problem(Unlimited.class, "property 'background-jobs.functions.job.idempotency.window' is "
					+ "set, but the function declares no 'idempotency' key")));
	}

	@Test
	void flowControlPropertiesOfAnUnknownFunctionFail() {
		this.contextRunner.withBean("orders", FlowControlled.class)
			.withBean("chrage", FlowControlOverrides.class, () -> new FlowControlOverrides(null, 5, null))
			.run(failsWith(
					"background-jobs.functions.chrage.idempotency, .rate-limit, .batch, .throttle, .concurrency, "
							+ ".debounce or .singleton is set, but no function has the id 'chrage'"));
	}

	@Test
	void throttleIsRead() {
		this.contextRunner.withBean("orders", Throttled.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("summarize").throttle())
				.isEqualTo(new Throttling("data.userId", 60, Duration.ofMinutes(1), 0));
			assertThat(registry.find("sync").throttle()).isEqualTo(new Throttling(null, 100, Duration.ofSeconds(1), 5));
			assertThat(registry.find("unthrottled").throttle()).isNull();
		});
	}

	@Test
	void throttlePropertiesOverrideTheAnnotation() {
		this.contextRunner.withBean("orders", Throttled.class)
			.withBean("summarize", FlowControlOverrides.class,
					() -> new FlowControlOverrides(null, null, null, null, null, 10, Duration.ofSeconds(30), 2, null))
			.run(function("summarize", (definition) -> assertThat(definition.throttle())
				.isEqualTo(new Throttling("data.userId", 10, Duration.ofSeconds(30), 2))));
	}

	@Test
	void throttleWithoutAPeriodFails() {
		this.contextRunner.withBean("bad", ThrottleWithoutPeriod.class)
			.run(failsWith(problem(ThrottleWithoutPeriod.class, "attribute 'throttle.period' is empty; set the period "
					+ "of the limit, such as \"1s\", \"1m\" or \"1h\"")));
	}

	@Test
	void throttleWithANegativeBurstFails() {
		this.contextRunner.withBean("bad", NegativeBurst.class)
			.run(failsWith(problem(NegativeBurst.class, "attribute 'throttle.burst' is -1; use 0 for evenly spaced "
					+ "starts or a positive number of extra starts")));
	}

	@Test
	void throttleWithAKeyButNoLimitFails() {
		this.contextRunner.withBean("bad", ThrottleWithoutLimit.class)
			.run(failsWith(problem(ThrottleWithoutLimit.class,
					"attribute 'throttle' sets a key, period or burst but no 'limit'")));
	}

	@Test
	void throttleWithoutAnEventTriggerFails() {
		this.contextRunner.withBean("bad", CronThrottle.class)
			.run(failsWith(problem(CronThrottle.class, "attribute 'throttle' needs an 'event' trigger")));
	}

	@Test
	void throttlePropertyWithoutALimitFails() {
		this.contextRunner.withBean("bad", Unlimited.class)
			.withBean("job", FlowControlOverrides.class,
					() -> new FlowControlOverrides(null, null, null, null, null, null, Duration.ofSeconds(1), null,
							null))
			.run(failsWith(problem(Unlimited.class, "property 'background-jobs.functions.job.throttle.period' or "
					+ "'throttle.burst' is set, but neither the function nor 'throttle.limit' sets a limit")));
	}

	@Test
	void debounceIsRead() {
		this.contextRunner.withBean("documents", Debounced.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("reindex").debounce())
				.isEqualTo(new Debouncing("data.documentId", Duration.ofSeconds(5), Duration.ofMinutes(1)));
			assertThat(registry.find("refresh").debounce())
				.isEqualTo(new Debouncing(null, Duration.ofSeconds(30), null));
		});
	}

	@Test
	void debouncePropertiesOverrideTheAnnotation() {
		this.contextRunner.withBean("documents", Debounced.class)
			.withBean("reindex", FlowControlOverrides.class,
					() -> new FlowControlOverrides(null, null, null, null, null, null, null, null, null,
							Duration.ofSeconds(10), Duration.ofMinutes(2)))
			.run(function("reindex", (definition) -> assertThat(definition.debounce())
				.isEqualTo(new Debouncing("data.documentId", Duration.ofSeconds(10), Duration.ofMinutes(2)))));
	}

	@Test
	void debounceWithAKeyButNoPeriodFails() {
		this.contextRunner.withBean("bad", DebounceWithoutPeriod.class)
			.run(failsWith(problem(DebounceWithoutPeriod.class,
					"attribute 'debounce' sets a key or timeout but no 'period'")));
	}

	@Test
	void debounceWithATimeoutShorterThanItsPeriodFails() {
		this.contextRunner.withBean("bad", ShortDebounceTimeout.class)
			.run(failsWith(problem(ShortDebounceTimeout.class,
					"attribute 'debounce.timeout' (PT1S) is shorter than its period (PT5S)")));
	}

	@Test
	void debounceWithAThrottleFails() {
		this.contextRunner.withBean("bad", DebouncedAndThrottled.class)
			.run(failsWith(
					problem(DebouncedAndThrottled.class, "attribute 'debounce' cannot be combined with 'throttle'")));
	}

	static class Debounced {

		@EventHandler(id = "reindex", event = "document/edited",
				debounce = @Debounce(period = "5s", key = "data.documentId", timeout = "1m"))
		void reindex() {
		}

		@EventHandler(id = "refresh", event = "catalog/changed", debounce = @Debounce(period = "30s"))
		void refresh() {
		}

	}

	static class DebounceWithoutPeriod {

		@EventHandler(id = "job", event = "order/placed", debounce = @Debounce(key = "data.orderId"))
		void handle() {
		}

	}

	static class ShortDebounceTimeout {

		@EventHandler(id = "job", event = "order/placed", debounce = @Debounce(period = "5s", timeout = "1s"))
		void handle() {
		}

	}

	static class DebouncedAndThrottled {

		@EventHandler(id = "job", event = "order/placed", debounce = @Debounce(period = "5s"),
				throttle = @Throttle(limit = 1, period = "1s"))
		void handle() {
		}

	}

	static class Throttled {

		@EventHandler(id = "summarize", event = "document/uploaded",
				throttle = @Throttle(limit = 60, period = "1m", key = "data.userId"))
		void summarize() {
		}

		@EventHandler(id = "sync", event = "crm/changed", throttle = @Throttle(limit = 100, period = "1s", burst = 5))
		void sync() {
		}

		@EventHandler(id = "unthrottled", event = "crm/changed")
		void unthrottled() {
		}

	}

	static class ThrottleWithoutPeriod {

		@EventHandler(id = "job", event = "order/placed", throttle = @Throttle(limit = 3))
		void handle() {
		}

	}

	static class NegativeBurst {

		@EventHandler(id = "job", event = "order/placed", throttle = @Throttle(limit = 3, period = "1s", burst = -1))
		void handle() {
		}

	}

	static class ThrottleWithoutLimit {

		@EventHandler(id = "job", event = "order/placed", throttle = @Throttle(key = "data.customerId"))
		void handle() {
		}

	}

	static class CronThrottle {

		@EventHandler(id = "job", cron = "@daily", throttle = @Throttle(limit = 1, period = "1h"))
		void handle() {
		}

	}

	@Test
	void singletonIsRead() {
		this.contextRunner.withBean("users", Singletons.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("sync-user").singleton())
				.isEqualTo(new SingletonRule("data.userId", Singleton.Mode.SKIP));
			assertThat(registry.find("rebuild").singleton()).isEqualTo(new SingletonRule(null, Singleton.Mode.CANCEL));
			assertThat(registry.find("audit").singleton()).isNull();
			assertThat(registry.find("sync-user").limitsIntake()).isTrue();
			assertThat(registry.find("audit").limitsIntake()).isFalse();
		});
	}

	@Test
	void singletonModePropertyOverridesTheAnnotation() {
		this.contextRunner.withBean("users", Singletons.class)
			.withBean("sync-user", FlowControlOverrides.class,
					() -> FlowControlOverrides.singleton(Singleton.Mode.CANCEL))
			.withBean("rebuild", FlowControlOverrides.class, () -> FlowControlOverrides.singleton(Singleton.Mode.NONE))
			.withBean("audit", FlowControlOverrides.class, () -> FlowControlOverrides.singleton(Singleton.Mode.SKIP))
			.run((context) -> {
				FunctionRegistry registry = context.getBean(FunctionRegistry.class);
				assertThat(registry.find("sync-user").singleton())
					.isEqualTo(new SingletonRule("data.userId", Singleton.Mode.CANCEL));
				assertThat(registry.find("rebuild").singleton()).isNull();
				assertThat(registry.find("audit").singleton()).isEqualTo(new SingletonRule(null, Singleton.Mode.SKIP));
			});
	}

	@Test
	void singletonKeyWithoutAModeFails() {
		this.contextRunner.withBean("bad", SingletonWithoutMode.class)
			.run(failsWith(problem(SingletonWithoutMode.class,
					"attribute 'singleton' sets a key but no mode; write "
							+ "mode = Singleton.Mode.SKIP to skip events while a run of the key is unfinished, or "
							+ "Singleton.Mode.CANCEL to cancel that run")));
	}

	@Test
	void singletonKeyThatIsNotAPathFails() {
		this.contextRunner.withBean("bad", BadSingletonKey.class)
			.run(failsWith(problem(BadSingletonKey.class, "attribute 'singleton.key': Match expression "
					+ "'userId' is not valid: 'userId' is not a path such as 'data.documentId'")));
	}

	@Test
	void singletonWithoutAnEventTriggerFails() {
		this.contextRunner.withBean("bad", CronSingleton.class)
			.run(failsWith(problem(CronSingleton.class, "attribute 'singleton' needs an 'event' trigger")));
	}

	@Test
	void batchWithASingletonFails() {
		this.contextRunner.withBean("bad", SingletonBatch.class)
			.run(failsWith(problem(SingletonBatch.class, "attribute 'batch' cannot be combined with 'singleton', "
					+ "which acts on the run of each event; remove one of them")));
	}

	@Test
	void debounceWithASingletonFails() {
		this.contextRunner.withBean("bad", DebouncedSingleton.class)
			.run(failsWith(
					problem(DebouncedSingleton.class, "attribute 'debounce' cannot be combined with 'singleton' yet")));
	}

	@Test
	void singletonPropertyOfAnUnknownFunctionFails() {
		this.contextRunner.withBean("users", Singletons.class)
			.withBean("sync-users", FlowControlOverrides.class,
					() -> FlowControlOverrides.singleton(Singleton.Mode.SKIP))
			.run(failsWith(
					"background-jobs.functions.sync-users.idempotency, .rate-limit, .batch, .throttle, .concurrency, "
							+ ".debounce or .singleton is set, but no function has the id 'sync-users'"));
	}

	private static String problem(Class<?> type, String detail) {
		return "@EventHandler method '" + type.getName() + ".handle' of bean 'bad': " + detail;
	}

	private static ContextConsumer<AssertableApplicationContext> failsWith(String message) {
		return (context) -> assertThat(context).hasFailed()
			.getFailure()
			.isInstanceOf(InvalidEventHandlerException.class)
			.hasMessageContaining(message);
	}

	private static ContextConsumer<AssertableApplicationContext> function(String id,
			Consumer<FunctionDefinition> assertions) {
		return (context) -> {
			FunctionDefinition definition = context.getBean(FunctionRegistry.class).find(id);
			assertThat(definition).as("function '%s'", id).isNotNull();
			assertions.accept(definition);
		};
	}

	static class FlowControlled {

		@EventHandler(id = "charge", event = "order/placed", idempotency = @Idempotency(key = "data.orderId"),
				rateLimit = @RateLimit(limit = 60, period = "1m", key = "data.customerId"))
		void charge() {
		}

		@EventHandler(id = "notify", event = "order/placed", rateLimit = @RateLimit(limit = 5, period = "10s"))
		void notifyCustomer() {
		}

		@EventHandler(id = "unlimited", event = "order/placed")
		void unlimited() {
		}

	}

	static class Singletons {

		@EventHandler(id = "sync-user", event = "user/changed",
				singleton = @Singleton(key = "data.userId", mode = Singleton.Mode.SKIP))
		void syncUser() {
		}

		@EventHandler(id = "rebuild", event = "index/stale", singleton = @Singleton(mode = Singleton.Mode.CANCEL))
		void rebuild() {
		}

		@EventHandler(id = "audit", event = "user/changed")
		void audit() {
		}

	}

	static class SingletonBatch {

		@EventHandler(id = "job", event = "user/changed", batch = @Batch(maxSize = 10, timeout = "5s"),
				singleton = @Singleton(mode = Singleton.Mode.SKIP))
		void handle(List<Event<?>> events) {
		}

	}

	static class DebouncedSingleton {

		@EventHandler(id = "job", event = "user/changed", debounce = @Debounce(period = "5s"),
				singleton = @Singleton(mode = Singleton.Mode.SKIP))
		void handle() {
		}

	}

	static class SingletonWithoutMode {

		@EventHandler(id = "job", event = "user/changed", singleton = @Singleton(key = "data.userId"))
		void handle() {
		}

	}

	static class BadSingletonKey {

		@EventHandler(id = "job", event = "user/changed",
				singleton = @Singleton(key = "userId", mode = Singleton.Mode.SKIP))
		void handle() {
		}

	}

	static class CronSingleton {

		@EventHandler(id = "job", cron = "@daily", singleton = @Singleton(mode = Singleton.Mode.SKIP))
		void handle() {
		}

	}

	static class BadIdempotencyWindow {

		@EventHandler(id = "job", event = "order/placed", idempotency = @Idempotency(key = "data.id", window = "soon"))
		void handle() {
		}

	}

	static class BadIdempotencyKey {

		@EventHandler(id = "job", event = "order/placed", idempotency = @Idempotency(key = "orderId"))
		void handle() {
		}

	}

	static class RateLimitWithoutPeriod {

		@EventHandler(id = "job", event = "order/placed", rateLimit = @RateLimit(limit = 3))
		void handle() {
		}

	}

	static class NegativeRateLimit {

		@EventHandler(id = "job", event = "order/placed", rateLimit = @RateLimit(limit = -1, period = "1m"))
		void handle() {
		}

	}

	static class RateLimitWithoutLimit {

		@EventHandler(id = "job", event = "order/placed", rateLimit = @RateLimit(key = "data.customerId"))
		void handle() {
		}

	}

	static class CronRateLimit {

		@EventHandler(id = "job", cron = "@daily", rateLimit = @RateLimit(limit = 1, period = "1h"))
		void handle() {
		}

	}

	static class Unlimited {

		@EventHandler(id = "job", event = "order/placed")
		void handle() {
		}

	}

	static class Cancellable {

		@EventHandler(id = "ship", event = "order/placed",
				cancelOn = { @CancelOn(event = "order/cancelled", match = "data.orderId"),
						@CancelOn(event = "order/replaced", match = "async.data.old == event.data.orderId") })
		void ship() {
		}

	}

	static class BadCancelMatch {

		@EventHandler(id = "ship", event = "order/placed",
				cancelOn = @CancelOn(event = "order/cancelled", match = "orderId"))
		void handle() {
		}

	}

	static class BlankCancelEvent {

		@EventHandler(id = "ship", event = "order/placed", cancelOn = @CancelOn(event = " ", match = "data.orderId"))
		void handle() {
		}

	}

	static class CronCancel {

		@EventHandler(id = "ship", cron = "@daily", cancelOn = @CancelOn(event = "order/cancelled", match = "data.id"))
		void handle() {
		}

	}

	static class Valid {

		@EventHandler(event = "doc/created")
		void defaultId(Event<Map<String, Object>> event) {
		}

		@EventHandler(id = "three-retries", event = { "doc/uploaded", "doc/replaced" }, retries = 3)
		void threeRetries(Step step, RunContext context) {
		}

		@EventHandler(id = "no-retries", event = "doc/deleted", retries = 0)
		void noRetries() {
		}

	}

	static class Crons {

		@EventHandler(id = "unix", cron = "0 * * * *")
		void unix(Step step) {
		}

		@EventHandler(id = "spring", cron = "*/10 * * * * MON-FRI")
		void spring(Step step) {
		}

		@EventHandler(id = "macro", cron = "@hourly")
		void macro(Step step) {
		}

		@EventHandler(id = "zoned", cron = "30 9 * * 1", zone = "Europe/Paris")
		void zoned(Step step) {
		}

		@EventHandler(id = "both", event = "report/requested", cron = "@daily")
		void both(Step step) {
		}

	}

	static class DuplicateA {

		@EventHandler(id = "same", event = "a")
		void handle() {
		}

	}

	static class DuplicateB {

		@EventHandler(id = "same", event = "b")
		void handle() {
		}

	}

	static class NoTrigger {

		@EventHandler(id = "no-trigger")
		void handle() {
		}

	}

	static class BlankEvent {

		@EventHandler(event = { "ok", " " })
		void handle() {
		}

	}

	static class BadCronField {

		@EventHandler(cron = "61 * * * *")
		void handle() {
		}

	}

	static class BadCronLength {

		@EventHandler(cron = "* * *")
		void handle() {
		}

	}

	static class BadCronMacro {

		@EventHandler(cron = "@fortnightly")
		void handle() {
		}

	}

	static class BadZone {

		@EventHandler(cron = "@daily", zone = "Mars/Olympus")
		void handle() {
		}

	}

	static class NegativeRetries {

		@EventHandler(event = "e", retries = -2)
		void handle() {
		}

	}

	static class BadTimeout {

		@EventHandler(event = "e", timeouts = @Timeouts(step = "soon"))
		void handle() {
		}

	}

	static class ZeroTimeout {

		@EventHandler(event = "e", timeouts = @Timeouts(finish = "0s"))
		void handle() {
		}

	}

	static class BadId {

		@EventHandler(id = "send mail!", event = "e")
		void handle() {
		}

	}

	static class LongId {

		@EventHandler(
				id = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
						+ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
						+ "xxxxxxxxxxxxxxx",
				event = "e")
		void handle() {
		}

	}

	static class NoId {

		@EventHandler(event = "e")
		void handle() {
		}

	}

	static class UnsupportedParameter {

		@EventHandler(event = "e")
		void handle(Step step, String name) {
		}

	}

	static class TwoSteps {

		@EventHandler(event = "e")
		void handle(Step first, RunContext context, Step second) {
		}

	}

	static class TwoEvents {

		@EventHandler(event = "e")
		void handle(Event<String> event, Event<String> other) {
		}

	}

	static class UnresolvablePayload {

		@EventHandler(event = "e")
		<T> void handle(Event<T> event) {
		}

	}

	static class UnbatchedList {

		@EventHandler(event = "e")
		void handle(List<Event<String>> events) {
		}

	}

	static class Batched {

		@EventHandler(id = "index-views", event = "shop/item.viewed",
				batch = @Batch(maxSize = 100, timeout = "5s", key = "data.customerId"))
		void index(List<Event<Map<String, Object>>> views, Step step) {
		}

		@EventHandler(id = "count-views", event = "shop/item.viewed", batch = @Batch(maxSize = 3, timeout = "1m"))
		void count(List<Event<?>> views) {
		}

	}

	static class BatchOfOne {

		@EventHandler(event = "e", batch = @Batch(maxSize = 10, timeout = "5s"))
		void handle(Event<String> event) {
		}

	}

	static class BatchWithoutTimeout {

		@EventHandler(event = "e", batch = @Batch(maxSize = 10))
		void handle(List<Event<String>> events) {
		}

	}

	static class HugeBatch {

		@EventHandler(event = "e", batch = @Batch(maxSize = 10_001, timeout = "5s"))
		void handle(List<Event<String>> events) {
		}

	}

	static class BatchWithoutSize {

		@EventHandler(event = "e", batch = @Batch(key = "data.id", timeout = "5s"))
		void handle(List<Event<String>> events) {
		}

	}

	static class CronBatch {

		@EventHandler(event = "e", cron = "@hourly", batch = @Batch(maxSize = 10, timeout = "5s"))
		void handle(List<Event<String>> events) {
		}

	}

	static class RateLimitedBatch {

		@EventHandler(event = "e", batch = @Batch(maxSize = 10, timeout = "5s"),
				rateLimit = @RateLimit(limit = 5, period = "1m"))
		void handle(List<Event<String>> events) {
		}

	}

	static class AsyncResult {

		@EventHandler(event = "e")
		CompletableFuture<String> handle() {
			return CompletableFuture.completedFuture("done");
		}

	}

	static class WithFailureHandler {

		@EventHandler(id = "process", event = "doc/uploaded", retries = 2, onFailure = "processFailed")
		void process(Event<Map<String, Object>> event) {
		}

		void processFailed(FunctionFailure<Map<String, Object>> failure, Step step, RunContext context) {
		}

	}

	static class MissingFailureHandler {

		@EventHandler(id = "job", event = "test/job", onFailure = "nowhere")
		void handle() {
		}

	}

	static class OverloadedFailureHandler {

		@EventHandler(id = "job", event = "test/job", onFailure = "failed")
		void handle() {
		}

		void failed(FunctionFailure<?> failure) {
		}

		void failed(FunctionFailure<?> failure, Step step) {
		}

	}

	static class AnnotatedFailureHandler {

		@EventHandler(id = "job", event = "test/job", onFailure = "other")
		void handle() {
		}

		@EventHandler(id = "other", event = "test/other")
		void other() {
		}

	}

	static class BadFailureHandlerParameter {

		@EventHandler(id = "job", event = "test/job", onFailure = "failed")
		void handle() {
		}

		void failed(String text) {
		}

	}

	static class FailureOnEventHandler {

		@EventHandler(id = "job", event = "test/job")
		void handle(FunctionFailure<?> failure) {
		}

	}

	static class ClashingFailureHandler {

		@EventHandler(id = "job", event = "test/job", onFailure = "failed")
		void handle() {
		}

		void failed(FunctionFailure<?> failure) {
		}

		@EventHandler(id = "job.on-failure", event = "test/other")
		void other() {
		}

	}

}
