package dev.backgroundjobs.function;

import java.util.List;
import java.util.Map;

import dev.backgroundjobs.Batch;
import dev.backgroundjobs.Concurrency;
import dev.backgroundjobs.Debounce;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Priority;
import dev.backgroundjobs.Throttle;
import dev.backgroundjobs.json.PayloadCodec;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the validation of {@link EventHandler#concurrency()} and
 * {@link EventHandler#priority()} at start-up, and for evaluating a priority.
 */
class ConcurrencyRegistrationTests {

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(FunctionTestConfiguration.class);

	@Test
	void limitKeyAndPriorityAreRead() {
		this.contextRunner.withBean("docs", Limited.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			ConcurrencyLimit perCustomer = registry.find("summarize").concurrency();
			assertThat(perCustomer.limit()).isEqualTo(5);
			assertThat(perCustomer.keyPath()).isEqualTo("data.customerId");
			assertThat(perCustomer.reason())
				.isEqualTo("waiting for a concurrency slot: limit 5 for key 'data.customerId'");
			assertThat(perCustomer.priority()).hasToString("data.plan == 'enterprise' ? 120 : 0");
			ConcurrencyLimit perFunction = registry.find("export").concurrency();
			assertThat(perFunction.keyPath()).isNull();
			assertThat(perFunction.reason()).isEqualTo("waiting for a concurrency slot: limit 2 for the function");
			assertThat(registry.find("free").concurrency()).isNull();
		});
	}

	@Test
	void limitPropertyOverridesTheAnnotation() {
		this.contextRunner.withBean("docs", Limited.class)
			.withBean("summarize", FlowControlOverrides.class,
					() -> new FlowControlOverrides(null, null, null, null, null, null, null, null, 9))
			.run((context) -> assertThat(
					context.getBean(FunctionRegistry.class).find("summarize").concurrency().limit())
				.isEqualTo(9));
	}

	@Test
	void negativeLimitFails() {
		this.contextRunner.withBean("bad", NegativeLimit.class)
			.run(failsWith(problem(NegativeLimit.class, "attribute 'concurrency.limit' is -1; use a positive limit")));
	}

	@Test
	void keyWithoutALimitFails() {
		this.contextRunner.withBean("bad", KeyWithoutLimit.class)
			.run(failsWith(problem(KeyWithoutLimit.class, "attribute 'concurrency' sets a key but no 'limit'")));
	}

	@Test
	void keyThatIsNotAPathFails() {
		this.contextRunner.withBean("bad", BadKey.class)
			.run(failsWith(problem(BadKey.class,
					"attribute 'concurrency.key': Match expression 'customerId' is " + "not valid")));
	}

	@Test
	void limitWithoutAnEventTriggerFails() {
		this.contextRunner.withBean("bad", CronLimit.class)
			.run(failsWith(problem(CronLimit.class, "attribute 'concurrency' needs an 'event' trigger")));
	}

	@Test
	void limitOnABatchedFunctionFails() {
		this.contextRunner.withBean("bad", BatchedLimit.class)
			.run(failsWith(problem(BatchedLimit.class, "attribute 'concurrency' cannot be combined with 'batch'")));
	}

	@Test
	void limitAndThrottleCombine() {
		this.contextRunner.withBean("bad", ThrottledLimit.class).run((context) -> {
			FunctionDefinition function = context.getBean(FunctionRegistry.class).find("job");
			assertThat(function.concurrency().limit()).isOne();
			assertThat(function.throttle().limit()).isEqualTo(10);
		});
	}

	@Test
	void limitOnADebouncedFunctionFails() {
		this.contextRunner.withBean("bad", DebouncedLimit.class)
			.run(failsWith(
					problem(DebouncedLimit.class, "attribute 'debounce' cannot be combined with 'concurrency'")));
	}

	@Test
	void priorityThatDoesNotParseFails() {
		this.contextRunner.withBean("bad", BadPriority.class)
			.run(failsWith(problem(BadPriority.class,
					"attribute 'priority.aheadSeconds' is 'data.plan ==', which " + "is not a valid expression")));
	}

	@Test
	void priorityWithoutALimitFails() {
		this.contextRunner.withBean("bad", PriorityWithoutLimit.class)
			.run(failsWith(problem(PriorityWithoutLimit.class,
					"attribute 'priority' orders the runs waiting for a concurrency slot, but the function declares "
							+ "no 'concurrency' limit")));
	}

	@Test
	void priorityReadsTheEventAndIsCapped() {
		RunPriority priority = RunPriority.parse("data.plan == 'enterprise' ? 120 : data.boost");
		assertThat(seconds(priority, Map.of("plan", "enterprise"))).isEqualTo(120);
		assertThat(seconds(priority, Map.of("plan", "free", "boost", 5000))).isEqualTo(600);
		assertThat(seconds(priority, Map.of("plan", "free", "boost", -5000))).isEqualTo(-600);
		assertThat(seconds(priority, Map.of("plan", "free", "boost", 2.6))).isEqualTo(3);
		assertThat(seconds(RunPriority.parse("name == 'docs/uploaded' ? 30 : 0"), Map.of())).isEqualTo(30);
	}

	@Test
	void priorityThatFailsOrGivesNoNumberIsZero() {
		// A missing field reads as null: no number.
		assertThat(seconds(RunPriority.parse("data.boost"), Map.of())).isZero();
		assertThat(seconds(RunPriority.parse("data.plan"), Map.of("plan", "enterprise"))).isZero();
		assertThat(seconds(RunPriority.parse("data.missing.deeper"), Map.of())).isZero();
		assertThat(seconds(RunPriority.parse("1 / 0"), Map.of())).isZero();
	}

	@Test
	void priorityCannotReachTypes() {
		assertThat(seconds(RunPriority.parse("T(java.lang.System).exit(1)"), Map.of())).isZero();
	}

	private static int seconds(RunPriority priority, Map<String, Object> data) {
		return priority.secondsAhead("summarize", "docs/uploaded", mapper.valueToTree(data), mapper);
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

	static class Limited {

		@EventHandler(id = "summarize", event = "docs/uploaded",
				concurrency = @Concurrency(limit = 5, key = "data.customerId"),
				priority = @Priority(aheadSeconds = "data.plan == 'enterprise' ? 120 : 0"))
		void summarize() {
		}

		@EventHandler(id = "export", event = "docs/exported", concurrency = @Concurrency(limit = 2))
		void export() {
		}

		@EventHandler(id = "free", event = "docs/uploaded")
		void free() {
		}

	}

	static class NegativeLimit {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(limit = -1))
		void handle() {
		}

	}

	static class KeyWithoutLimit {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(key = "data.customerId"))
		void handle() {
		}

	}

	static class BadKey {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(limit = 1, key = "customerId"))
		void handle() {
		}

	}

	static class CronLimit {

		@EventHandler(id = "job", cron = "@daily", concurrency = @Concurrency(limit = 1))
		void handle() {
		}

	}

	static class BatchedLimit {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(limit = 1),
				batch = @Batch(maxSize = 10, timeout = "5s"))
		void handle(List<Event<Map<String, Object>>> events) {
		}

	}

	static class ThrottledLimit {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(limit = 1),
				throttle = @Throttle(limit = 10, period = "1s"))
		void handle() {
		}

	}

	static class DebouncedLimit {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(limit = 1),
				debounce = @Debounce(period = "5s"))
		void handle() {
		}

	}

	static class BadPriority {

		@EventHandler(id = "job", event = "docs/uploaded", concurrency = @Concurrency(limit = 1),
				priority = @Priority(aheadSeconds = "data.plan =="))
		void handle() {
		}

	}

	static class PriorityWithoutLimit {

		@EventHandler(id = "job", event = "docs/uploaded", priority = @Priority(aheadSeconds = "60"))
		void handle() {
		}

	}

}
