package dev.backgroundjobs.function;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.EventHandler.Retry;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.json.PayloadCodec;
import io.github.resilience4j.retry.RetryConfig;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the retry policies of functions, as {@link FunctionRegistrar} resolves them.
 */
class FunctionRetryPolicyTests {

	private static final RetryPolicy DEFAULTS = RetryPolicy.attempts(5)
		.backoff(Duration.ofSeconds(1), 2, Duration.ofMinutes(10))
		.jitter(0);

	private static final NamedRetryPolicies PAYMENTS = (name) -> {
		if (!name.equals("payments")) {
			throw new IllegalArgumentException("the RetryRegistry has no retry instance or configuration of that name");
		}
		return RetryPolicy.from(RetryConfig.custom()
			.maxAttempts(2)
			.waitDuration(Duration.ofMillis(700))
			.ignoreExceptions(FileNotFoundException.class)
			.build());
	};

	private final ApplicationContextRunner contextRunner = runner(
			new FunctionRetrySettings(DEFAULTS, Map.of(), PAYMENTS));

	private static ApplicationContextRunner runner(FunctionRetrySettings settings) {
		return new ApplicationContextRunner().withUserConfiguration(RetryTestConfiguration.class)
			.withBean(FunctionRetrySettings.class, () -> settings);
	}

	@Test
	void annotationSetsAttemptsBackoffAndTheFailuresThatAreNotRetried() {
		this.contextRunner.withBean(Annotated.class).run((context) -> {
			RetryPolicy retry = context.getBean(FunctionRegistry.class).find("annotated").retry();
			assertThat(retry.maxAttempts()).hasValue(3);
			assertThat(retry.delayAfter(1, new IOException())).isEqualTo(Duration.ofSeconds(2));
			assertThat(retry.delayAfter(2, new IOException())).isEqualTo(Duration.ofSeconds(6));
			assertThat(retry.delayAfter(3, new IOException())).isEqualTo(Duration.ofSeconds(10));
			assertThat(retry.isRetryable(new IllegalArgumentException())).isFalse();
			assertThat(retry.isRetryable(new IOException())).isTrue();
		});
	}

	@Test
	void whatTheAnnotationLeavesUnsetComesFromTheDefaults() {
		this.contextRunner.withBean(Annotated.class).run((context) -> {
			FunctionDefinition plain = context.getBean(FunctionRegistry.class).find("plain");
			assertThat(plain.retries()).isEqualTo(4);
			assertThat(plain.retry().delayAfter(2, new IOException())).isEqualTo(Duration.ofSeconds(2));
			FunctionDefinition agreeing = context.getBean(FunctionRegistry.class).find("agreeing");
			assertThat(agreeing.retries()).isEqualTo(2);
			assertThat(agreeing.retry().delayAfter(1, new IOException())).isEqualTo(Duration.ofMillis(250));
		});
	}

	@Test
	void namedResilience4jPolicyGivesWhatTheAnnotationLeavesUnset() {
		this.contextRunner.withBean(Annotated.class).run((context) -> {
			FunctionDefinition named = context.getBean(FunctionRegistry.class).find("named");
			assertThat(named.retry().maxAttempts()).hasValue(2);
			assertThat(named.retry().delayAfter(1, new IOException())).isEqualTo(Duration.ofMillis(700));
			assertThat(named.retry().isRetryable(new FileNotFoundException())).isFalse();
			FunctionDefinition namedWithAttempts = context.getBean(FunctionRegistry.class).find("named-six");
			assertThat(namedWithAttempts.retry().maxAttempts()).hasValue(6);
			assertThat(namedWithAttempts.retry().delayAfter(3, new IOException())).isEqualTo(Duration.ofMillis(700));
		});
	}

	@Test
	void configuredOverrideWinsOverTheAnnotationSettingBySetting() {
		RetryPolicy override = RetryPolicy.attempts(7).initialInterval(Duration.ofSeconds(5));
		runner(new FunctionRetrySettings(DEFAULTS, Map.of("annotated", override), PAYMENTS)).withBean(Annotated.class)
			.run((context) -> {
				RetryPolicy retry = context.getBean(FunctionRegistry.class).find("annotated").retry();
				assertThat(retry.maxAttempts()).hasValue(7);
				assertThat(retry.delayAfter(1, new IOException())).isEqualTo(Duration.ofSeconds(5));
				assertThat(retry.delayAfter(2, new IOException())).isEqualTo(Duration.ofSeconds(10));
				assertThat(retry.isRetryable(new IllegalArgumentException())).isFalse();
			});
	}

	@Test
	void overrideOfAnUnknownFunctionFailsNamingIt() {
		runner(new FunctionRetrySettings(DEFAULTS, Map.of("anotated", RetryPolicy.attempts(2)), PAYMENTS))
			.withBean(Annotated.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidEventHandlerException.class)
				.hasMessageContaining("background-jobs.functions.anotated.retry is set, but no function has the id "
						+ "'anotated' (functions: agreeing, annotated, named, named-six, plain)"));
	}

	@Test
	void invalidAttributesFailTheStartUpNamingEachOne() {
		this.contextRunner.withBean(Invalid.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidEventHandlerException.class)
				.hasMessageContaining("attribute 'retry.initialInterval' is '2 sec', which is not a duration; use for "
						+ "example '2s', '500ms', '1m' or 'PT1M'")
				.hasMessageContaining("attribute 'retry.multiplier' is 0.5; use 1 or more")
				.hasMessageContaining("attribute 'retry.jitter' is 1.5; use at least 0 and below 1")
				.hasMessageContaining("attribute 'retry.attempts' is 0; use 1 or more (the first attempt counts)")
				.hasMessageContaining("attributes 'retries' (2) and 'retry.attempts' (5) disagree: 'retries' counts "
						+ "the attempts after the first, so it means 'retry.attempts = 3'; set only one of them")
				.hasMessageContaining(
						"attribute 'retry.maxInterval' is '1s', shorter than 'retry.initialInterval' " + "('5s')")
				.hasMessageContaining("attribute 'retry.config' is 'paymnts', but the RetryRegistry has no retry "
						+ "instance or configuration of that name"));
	}

	@Test
	void namedPolicyWithoutARegistryFailsSayingWhatIsMissing() {
		runner(new FunctionRetrySettings(DEFAULTS, Map.of(), NamedRetryPolicies.NONE)).withBean(Annotated.class)
			.run((context) -> assertThat(context.getStartupFailure()).isInstanceOf(InvalidEventHandlerException.class)
				.hasMessageContaining("attribute 'retry.config' is 'payments', but no resilience4j RetryRegistry "
						+ "bean is available to look it up; add io.github.resilience4j:resilience4j-spring-boot3 and "
						+ "configure resilience4j.retry.instances.payments, or remove 'config'"));
	}

	@Configuration(proxyBeanMethods = false)
	static class RetryTestConfiguration {

		@Bean
		static EventHandlerAnnotationBeanPostProcessor eventHandlerAnnotationBeanPostProcessor() {
			return new EventHandlerAnnotationBeanPostProcessor();
		}

		@Bean
		FunctionRegistry functionRegistry() {
			return new FunctionRegistry();
		}

		@Bean
		FunctionRegistrar functionRegistrar(FunctionRegistry registry,
				EventHandlerAnnotationBeanPostProcessor processor, FunctionRetrySettings settings) {
			PayloadCodec codec = new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1));
			return new FunctionRegistrar(registry, processor, codec, settings);
		}

	}

	static class Annotated {

		@EventHandler(id = "annotated", event = "e", retry = @Retry(attempts = 3, initialInterval = "2s",
				multiplier = 3, maxInterval = "10s", jitter = 0, noRetryOn = IllegalArgumentException.class))
		void annotated(Event<String> event) {
		}

		@EventHandler(id = "plain", event = "e")
		void plain(Event<String> event) {
		}

		@EventHandler(id = "agreeing", event = "e", retries = 2,
				retry = @Retry(attempts = 3, initialInterval = "250ms"))
		void agreeing(Event<String> event) {
		}

		@EventHandler(id = "named", event = "e", retry = @Retry(config = "payments"))
		void named(Event<String> event) {
		}

		@EventHandler(id = "named-six", event = "e", retry = @Retry(config = "payments", attempts = 6))
		void namedSix(Event<String> event) {
		}

	}

	static class Invalid {

		@EventHandler(id = "bad-duration", event = "e", retry = @Retry(initialInterval = "2 sec"))
		void badDuration(Event<String> event) {
		}

		@EventHandler(id = "bad-multiplier", event = "e", retry = @Retry(multiplier = 0.5))
		void badMultiplier(Event<String> event) {
		}

		@EventHandler(id = "bad-jitter", event = "e", retry = @Retry(jitter = 1.5))
		void badJitter(Event<String> event) {
		}

		@EventHandler(id = "no-attempts", event = "e", retry = @Retry(attempts = 0))
		void noAttempts(Event<String> event) {
		}

		@EventHandler(id = "disagreeing", event = "e", retries = 2, retry = @Retry(attempts = 5))
		void disagreeing(Event<String> event) {
		}

		@EventHandler(id = "inverted", event = "e", retry = @Retry(initialInterval = "5s", maxInterval = "1s"))
		void inverted(Event<String> event) {
		}

		@EventHandler(id = "unknown-config", event = "e", retry = @Retry(config = "paymnts"))
		void unknownConfig(Event<String> event) {
		}

	}

}
