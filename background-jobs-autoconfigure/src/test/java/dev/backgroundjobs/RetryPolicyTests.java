package dev.backgroundjobs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RetryPolicy}.
 */
class RetryPolicyTests {

	private static final RetryPolicy FUNCTION = RetryPolicy.attempts(5)
		.backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(10))
		.jitter(0);

	@Test
	void nonRetryableExceptionIsNotRetriedEvenWhenWrappedOrListedAsRetried() {
		RetryPolicy policy = FUNCTION.retryOn(NonRetryableException.class, IllegalStateException.class);
		assertThat(policy.isRetryable(new NonRetryableException("invalid"))).isFalse();
		assertThat(policy.isRetryable(new CompletionException(new NonRetryableException("invalid")))).isFalse();
		assertThat(policy.isRetryable(new IllegalStateException("flaky"))).isTrue();
	}

	@Test
	void retryAfterGivesExactlyItsDelayWithoutJitterOrCapAndIsRetriedWhateverTheTypes() {
		RetryPolicy policy = RetryPolicy.attempts(3)
			.backoff(Duration.ofMillis(10), 2, Duration.ofMillis(20))
			.jitter(0.9)
			.retryOn(IOException.class);
		RetryAfterException tooMany = new RetryAfterException(Duration.ofSeconds(42), "429");
		assertThat(policy.isRetryable(tooMany)).isTrue();
		for (int attempt = 1; attempt <= 3; attempt++) {
			assertThat(policy.delayAfter(attempt, tooMany)).isEqualTo(Duration.ofSeconds(42));
		}
		assertThat(policy.delayAfter(1, new IllegalStateException(tooMany))).isEqualTo(Duration.ofSeconds(42));
	}

	@Test
	void noRetryOnAndRetryOnDecideWhichFailuresAreRetried() {
		RetryPolicy policy = FUNCTION.retryOn(IOException.class).noRetryOn(FileNotFoundException.class);
		assertThat(policy.isRetryable(new IOException("reset"))).isTrue();
		assertThat(policy.isRetryable(new FileNotFoundException("gone"))).isFalse();
		assertThat(policy.isRetryable(new IllegalStateException("bug"))).isFalse();
		assertThat(FUNCTION.isRetryable(new IllegalStateException("bug"))).isTrue();
	}

	@Test
	void exponentialBackoffGrowsUpToItsMaximum() {
		IllegalStateException failure = new IllegalStateException();
		assertThat(FUNCTION.delayAfter(1, failure)).isEqualTo(Duration.ofSeconds(1));
		assertThat(FUNCTION.delayAfter(2, failure)).isEqualTo(Duration.ofSeconds(2));
		assertThat(FUNCTION.delayAfter(5, failure)).isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void aFirstWaitLongerThanTheInheritedMaximumRaisesTheMaximum() {
		RetryPolicy function = RetryPolicy.defaults().initialInterval(Duration.ofHours(2)).orElse(FUNCTION);
		IllegalStateException failure = new IllegalStateException();
		assertThat(function.delayAfter(1, failure)).isEqualTo(Duration.ofHours(2));
		assertThat(function.delayAfter(3, failure)).isEqualTo(Duration.ofHours(2));
	}

	@Test
	void orElseTakesWhatAPolicyLeavesUnsetFromTheFallback() {
		RetryPolicy step = RetryPolicy.attempts(2).initialInterval(Duration.ofMillis(300));
		RetryPolicy combined = step.orElse(FUNCTION.noRetryOn(FileNotFoundException.class));
		assertThat(combined.maxAttempts()).hasValue(2);
		assertThat(combined.delayAfter(1, new IOException())).isEqualTo(Duration.ofMillis(300));
		assertThat(combined.delayAfter(2, new IOException())).isEqualTo(Duration.ofMillis(600));
		assertThat(combined.isRetryable(new FileNotFoundException())).isFalse();
		assertThat(RetryPolicy.defaults().orElse(FUNCTION).maxAttempts()).hasValue(5);
	}

	@Test
	void retriedFailuresOfAPolicyReplaceTheFallbacksAsAWhole() {
		RetryPolicy combined = RetryPolicy.defaults()
			.retryOn(IllegalStateException.class)
			.orElse(FUNCTION.noRetryOn(IllegalStateException.class));
		assertThat(combined.isRetryable(new IllegalStateException())).isTrue();
	}

	@Test
	void resilience4jConfigGivesAttemptsCountingTheFirstIntervalsAndExceptionPredicate() {
		RetryConfig config = RetryConfig.custom()
			.maxAttempts(3)
			.intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 3))
			.retryExceptions(IOException.class)
			.ignoreExceptions(FileNotFoundException.class)
			.build();
		RetryPolicy policy = RetryPolicy.from(config).orElse(FUNCTION);
		assertThat(policy.maxAttempts()).hasValue(3);
		assertThat(policy.delayAfter(1, new IOException())).isEqualTo(Duration.ofMillis(100));
		assertThat(policy.delayAfter(2, new IOException())).isEqualTo(Duration.ofMillis(300));
		assertThat(policy.isRetryable(new IOException())).isTrue();
		assertThat(policy.isRetryable(new FileNotFoundException())).isFalse();
		assertThat(policy.isRetryable(new UncheckedIOException(new IOException()))).isFalse();
	}

	@Test
	void aBackoffSetOverAResilience4jPolicyReplacesItsIntervalFunction() {
		RetryConfig config = RetryConfig.custom().maxAttempts(4).waitDuration(Duration.ofSeconds(7)).build();
		RetryPolicy policy = RetryPolicy.from(config).initialInterval(Duration.ofMillis(50)).orElse(FUNCTION);
		assertThat(policy.maxAttempts()).hasValue(4);
		assertThat(policy.delayAfter(1, new IOException())).isEqualTo(Duration.ofMillis(50));
		assertThat(RetryPolicy.from(config).orElse(FUNCTION).delayAfter(3, new IOException()))
			.isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void invalidSettingsAreRejectedNamingThem() {
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.attempts(0))
			.withMessageContaining("'maxAttempts' counts the first attempt and must be at least 1, but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> FUNCTION.multiplier(0.5))
			.withMessage("'multiplier' must be at least 1, but was 0.5");
		assertThatIllegalArgumentException().isThrownBy(() -> FUNCTION.jitter(1))
			.withMessage("'jitter' must be at least 0 and below 1, but was 1.0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RetryPolicy.defaults().backoff(Duration.ofSeconds(5), 2, Duration.ofSeconds(1)))
			.withMessage("'maxInterval' (PT1S) must not be shorter than 'initialInterval' (PT5S)");
		assertThatIllegalArgumentException().isThrownBy(() -> FUNCTION.initialInterval(Duration.ZERO))
			.withMessage("'initialInterval' must be positive, but was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryAfterException(Duration.ofSeconds(-1), "in the past"))
			.withMessage("'retryAfter' must not be null or negative");
	}

}
