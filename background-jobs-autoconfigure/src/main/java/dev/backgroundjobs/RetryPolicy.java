package dev.backgroundjobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * How a failing step is retried: how many attempts it gets, how long to wait between
 * them, and which failures are retried at all. Immutable; each method returns a new
 * policy.
 * <p>
 * A policy need not set everything: what it leaves unset comes from the function's policy
 * ({@link EventHandler#retry()}, {@code background-jobs.functions.<id>.retry.*}), and
 * what that leaves unset from {@code background-jobs.retry.*}. A policy for one step is
 * given with {@link Step#withRetry}:
 *
 * <pre class="code">
 * RetryPolicy twice = RetryPolicy.attempts(2).noRetryOn(PaymentDeclinedException.class);
 * Receipt receipt = step.withRetry(twice).run("charge", Receipt.class, () -&gt; payments.charge(order));
 * </pre>
 * <p>
 * Whatever the policy, a {@link NonRetryableException} fails the step at once and a
 * {@link RetryAfterException} sets the wait before the next attempt. Other failures are
 * not retried when they are an instance of a {@link #noRetryOn} type, or, when
 * {@link #retryOn} types are given, of none of them. Infrastructure failures (the
 * database or the broker unreachable) never spend attempts.
 * <p>
 * A policy may also come from a resilience4j {@link RetryConfig} with {@link #from}, or,
 * for a function, from a configured resilience4j retry instance with
 * {@link EventHandler.Retry#config()}.
 */
public final class RetryPolicy {

	private static final RetryPolicy DEFAULTS = new RetryPolicy(null, null, null, null, null, null, List.of(),
			List.of(), null, "defaults");

	private final @Nullable Integer maxAttempts;

	private final @Nullable Duration initialInterval;

	private final @Nullable Double multiplier;

	private final @Nullable Duration maxInterval;

	private final @Nullable Double jitter;

	/**
	 * The wait after a failed attempt given the failed attempts so far and the failure,
	 * in milliseconds, when taken from a resilience4j configuration.
	 */
	private final @Nullable BiFunction<Integer, Throwable, Long> intervals;

	private final List<Class<? extends Throwable>> retryOn;

	private final List<Class<? extends Throwable>> noRetryOn;

	private final @Nullable Predicate<Throwable> retryIf;

	private final String source;

	private final @Nullable IntervalFunction exponential;

	private RetryPolicy(@Nullable Integer maxAttempts, @Nullable Duration initialInterval, @Nullable Double multiplier,
			@Nullable Duration maxInterval, @Nullable Double jitter,
			@Nullable BiFunction<Integer, Throwable, Long> intervals, List<Class<? extends Throwable>> retryOn,
			List<Class<? extends Throwable>> noRetryOn, @Nullable Predicate<Throwable> retryIf, String source) {
		this.maxAttempts = maxAttempts;
		this.initialInterval = initialInterval;
		this.multiplier = multiplier;
		this.maxInterval = maxInterval;
		this.jitter = jitter;
		this.intervals = intervals;
		this.retryOn = List.copyOf(retryOn);
		this.noRetryOn = List.copyOf(noRetryOn);
		this.retryIf = retryIf;
		this.source = source;
		this.exponential = (intervals == null && initialInterval != null && multiplier != null && maxInterval != null
				&& jitter != null) ? exponential(initialInterval, multiplier, maxInterval, jitter) : null;
	}

	private static IntervalFunction exponential(Duration initial, double multiplier, Duration configuredMax,
			double jitter) {
		// Levels combine: a function's longer first wait over the default cap raises the
		// cap
		// to it, rather than capping every wait below the first one.
		Duration max = (configuredMax.compareTo(initial) < 0) ? initial : configuredMax;
		return (jitter > 0) ? IntervalFunction.ofExponentialRandomBackoff(initial, multiplier, jitter, max)
				: IntervalFunction.ofExponentialBackoff(initial, multiplier, max);
	}

	/**
	 * Returns a policy that sets nothing: every setting comes from the function's policy.
	 * Start here to change only the backoff or the retried failures.
	 * @return the policy
	 */
	public static RetryPolicy defaults() {
		return DEFAULTS;
	}

	/**
	 * Returns a policy that gives a step at most this many attempts, the first one
	 * included, as resilience4j's {@code maxAttempts} counts them: {@code 1} means no
	 * retry, and {@code attempts(n)} matches {@code @EventHandler(retries = n - 1)}.
	 * @param maxAttempts the attempts, at least 1
	 * @return the policy
	 */
	public static RetryPolicy attempts(int maxAttempts) {
		Assert.isTrue(maxAttempts >= 1,
				() -> "'maxAttempts' counts the first attempt and must be at least 1, but was " + maxAttempts);
		return new RetryPolicy(maxAttempts, null, null, null, null, null, List.of(), List.of(), null,
				"attempts(" + maxAttempts + ")");
	}

	/**
	 * Returns a policy with the settings of a resilience4j {@link RetryConfig}: its
	 * {@code maxAttempts} (which counts the first attempt, as {@link #attempts} does),
	 * its interval function (called with the failed attempts so far and the failure) and
	 * its exception predicate ({@code retryExceptions}, {@code ignoreExceptions} and
	 * {@code retryOnExceptionPredicate}). Its result predicate does not apply: a step
	 * that returns has succeeded. Needs {@code io.github.resilience4j:resilience4j-retry}
	 * on the class path.
	 * @param config the configuration
	 * @return the policy
	 */
	public static RetryPolicy from(RetryConfig config) {
		Assert.notNull(config, "'config' must not be null");
		return Resilience4jRetryConfigs.toPolicy(config, "resilience4j RetryConfig");
	}

	/**
	 * Creates a policy from a resilience4j configuration's parts.
	 * @param maxAttempts the attempts, the first one included
	 * @param intervals the wait in milliseconds after the given failed attempts
	 * @param retryIf which failures are retried
	 * @param source what the policy came from, for messages
	 * @return the policy
	 */
	static RetryPolicy ofResilience4j(int maxAttempts, BiFunction<Integer, Throwable, Long> intervals,
			Predicate<Throwable> retryIf, String source) {
		return new RetryPolicy(maxAttempts, null, null, null, null, intervals, List.of(), List.of(), retryIf, source);
	}

	/**
	 * Returns a copy with exponential backoff: the first retry waits
	 * {@code initialInterval}, each further one {@code multiplier} times longer, up to
	 * {@code maxInterval}. It replaces an interval function taken from resilience4j.
	 * @param initialInterval the wait after the first failure, positive
	 * @param multiplier the factor applied to each further wait, at least 1
	 * @param maxInterval the longest wait, at least {@code initialInterval}
	 * @return the new policy
	 */
	public RetryPolicy backoff(Duration initialInterval, double multiplier, Duration maxInterval) {
		return initialInterval(initialInterval).multiplier(multiplier).maxInterval(maxInterval);
	}

	/**
	 * Returns a copy whose first retry waits this long; the rest of the backoff is the
	 * function's unless set. It replaces an interval function taken from resilience4j.
	 * @param initialInterval the wait after the first failure, positive
	 * @return the new policy
	 */
	public RetryPolicy initialInterval(Duration initialInterval) {
		Assert.isTrue(initialInterval != null && !initialInterval.isNegative() && !initialInterval.isZero(),
				() -> "'initialInterval' must be positive, but was " + initialInterval);
		checkOrder(initialInterval, this.maxInterval);
		return with(this.maxAttempts, initialInterval, this.multiplier, this.maxInterval, this.jitter,
				this.source + ".initialInterval(" + initialInterval + ")");
	}

	/**
	 * Returns a copy whose waits grow by this factor after each failure; the rest of the
	 * backoff is the function's unless set.
	 * @param multiplier the factor, at least 1
	 * @return the new policy
	 */
	public RetryPolicy multiplier(double multiplier) {
		Assert.isTrue(multiplier >= 1, () -> "'multiplier' must be at least 1, but was " + multiplier);
		return with(this.maxAttempts, this.initialInterval, multiplier, this.maxInterval, this.jitter,
				this.source + ".multiplier(" + multiplier + ")");
	}

	/**
	 * Returns a copy whose waits are at most this long; the rest of the backoff is the
	 * function's unless set.
	 * @param maxInterval the longest wait, positive
	 * @return the new policy
	 */
	public RetryPolicy maxInterval(Duration maxInterval) {
		Assert.isTrue(maxInterval != null && !maxInterval.isNegative() && !maxInterval.isZero(),
				() -> "'maxInterval' must be positive, but was " + maxInterval);
		checkOrder(this.initialInterval, maxInterval);
		return with(this.maxAttempts, this.initialInterval, this.multiplier, maxInterval, this.jitter,
				this.source + ".maxInterval(" + maxInterval + ")");
	}

	private static void checkOrder(@Nullable Duration initialInterval, @Nullable Duration maxInterval) {
		Assert.isTrue(initialInterval == null || maxInterval == null || maxInterval.compareTo(initialInterval) >= 0,
				() -> "'maxInterval' (" + maxInterval + ") must not be shorter than 'initialInterval' ("
						+ initialInterval + ")");
	}

	/**
	 * Returns a copy with the same wait before every retry.
	 * @param interval the wait, positive
	 * @return the new policy
	 */
	public RetryPolicy fixedBackoff(Duration interval) {
		return backoff(interval, 1, interval);
	}

	/**
	 * Returns a copy that randomises each wait by up to this fraction either way, so that
	 * many failing runs do not retry in lockstep.
	 * @param jitter from 0 (none) to below 1
	 * @return the new policy
	 */
	public RetryPolicy jitter(double jitter) {
		Assert.isTrue(jitter >= 0 && jitter < 1, () -> "'jitter' must be at least 0 and below 1, but was " + jitter);
		return with(this.maxAttempts, this.initialInterval, this.multiplier, this.maxInterval, jitter,
				this.source + ".jitter(" + jitter + ")");
	}

	/**
	 * Returns a copy that retries only failures that are an instance of one of these
	 * types (and of the types given before); others fail the step at once.
	 * @param types the retried types
	 * @return the new policy
	 */
	@SafeVarargs
	public final RetryPolicy retryOn(Class<? extends Throwable>... types) {
		return new RetryPolicy(this.maxAttempts, this.initialInterval, this.multiplier, this.maxInterval, this.jitter,
				this.intervals, plus(this.retryOn, types), this.noRetryOn, this.retryIf,
				this.source + ".retryOn(" + names(types) + ")");
	}

	/**
	 * Returns a copy that fails the step at once on a failure that is an instance of one
	 * of these types (or of the types given before).
	 * @param types the types that are not retried
	 * @return the new policy
	 */
	@SafeVarargs
	public final RetryPolicy noRetryOn(Class<? extends Throwable>... types) {
		return new RetryPolicy(this.maxAttempts, this.initialInterval, this.multiplier, this.maxInterval, this.jitter,
				this.intervals, this.retryOn, plus(this.noRetryOn, types), this.retryIf,
				this.source + ".noRetryOn(" + names(types) + ")");
	}

	/**
	 * Returns this policy with what it leaves unset taken from another: the attempts, the
	 * backoff (as a whole if this policy sets any part of it, else the other's) and the
	 * retried failures (as a whole: this policy's {@code retryOn}, {@code noRetryOn} and
	 * resilience4j predicate if it sets any, else the other's).
	 * @param fallback the policy to take unset settings from
	 * @return the combined policy
	 */
	public RetryPolicy orElse(RetryPolicy fallback) {
		Assert.notNull(fallback, "'fallback' must not be null");
		boolean ownBackoff = this.intervals != null || this.initialInterval != null || this.multiplier != null
				|| this.maxInterval != null || this.jitter != null;
		boolean ownClassification = !this.retryOn.isEmpty() || !this.noRetryOn.isEmpty() || this.retryIf != null;
		RetryPolicy classification = ownClassification ? this : fallback;
		BiFunction<Integer, Throwable, Long> intervals = ownBackoff ? this.intervals : fallback.intervals;
		boolean exponential = intervals == null;
		return new RetryPolicy((this.maxAttempts != null) ? this.maxAttempts : fallback.maxAttempts,
				exponential ? first(this.initialInterval, fallback.initialInterval) : null,
				exponential ? first(this.multiplier, fallback.multiplier) : null,
				exponential ? first(this.maxInterval, fallback.maxInterval) : null,
				exponential ? first(this.jitter, fallback.jitter) : null, intervals, classification.retryOn,
				classification.noRetryOn, classification.retryIf, this.source + " over " + fallback.source);
	}

	/**
	 * Returns the most attempts a step gets, the first one included, if this policy sets
	 * them.
	 * @return the attempts, or empty if they come from the function's policy
	 */
	public OptionalInt maxAttempts() {
		return (this.maxAttempts != null) ? OptionalInt.of(this.maxAttempts) : OptionalInt.empty();
	}

	/**
	 * Returns whether a failure may be retried, attempts permitting: not if it is or is
	 * caused by a {@link NonRetryableException}, always if it is or is caused by a
	 * {@link RetryAfterException}, else as {@link #noRetryOn}, {@link #retryOn} and a
	 * resilience4j exception predicate decide.
	 * @param failure the failure
	 * @return whether it may be retried
	 */
	public boolean isRetryable(Throwable failure) {
		if (find(failure, NonRetryableException.class) != null) {
			return false;
		}
		if (find(failure, RetryAfterException.class) != null) {
			return true;
		}
		if (this.noRetryOn.stream().anyMatch((type) -> type.isInstance(failure))) {
			return false;
		}
		if (!this.retryOn.isEmpty() && this.retryOn.stream().noneMatch((type) -> type.isInstance(failure))) {
			return false;
		}
		return this.retryIf == null || this.retryIf.test(failure);
	}

	/**
	 * Returns how long to wait before the next attempt: the delay of a
	 * {@link RetryAfterException} exactly, else the backoff after this many failed
	 * attempts.
	 * @param failedAttempts the attempts failed so far, at least 1
	 * @param failure the last failure
	 * @return the wait
	 * @throws IllegalStateException if this policy leaves the backoff unset and the
	 * failure gives no delay
	 */
	public Duration delayAfter(int failedAttempts, Throwable failure) {
		RetryAfterException retryAfter = find(failure, RetryAfterException.class);
		if (retryAfter != null) {
			return retryAfter.retryAfter();
		}
		int attempt = Math.max(1, failedAttempts);
		if (this.intervals != null) {
			Long millis = this.intervals.apply(attempt, failure);
			return Duration.ofMillis(Math.max(0, (millis != null) ? millis : 0));
		}
		if (this.exponential == null) {
			throw new IllegalStateException("Retry policy " + this.source + " sets no complete backoff");
		}
		return Duration.ofMillis(this.exponential.apply(attempt));
	}

	@Override
	public String toString() {
		return "RetryPolicy[" + this.source + "]";
	}

	/**
	 * Returns a copy with other attempts or exponential backoff settings; an interval
	 * function taken from resilience4j gives way to them.
	 */
	private RetryPolicy with(@Nullable Integer maxAttempts, @Nullable Duration initialInterval,
			@Nullable Double multiplier, @Nullable Duration maxInterval, @Nullable Double jitter, String source) {
		return new RetryPolicy(maxAttempts, initialInterval, multiplier, maxInterval, jitter, null, this.retryOn,
				this.noRetryOn, this.retryIf, source);
	}

	private static <T> @Nullable T first(@Nullable T preferred, @Nullable T fallback) {
		return (preferred != null) ? preferred : fallback;
	}

	private static List<Class<? extends Throwable>> plus(List<Class<? extends Throwable>> types,
			Class<? extends Throwable>[] more) {
		Assert.notEmpty(more, "At least one exception type is required");
		Assert.noNullElements(more, "Exception types must not be null");
		List<Class<? extends Throwable>> all = new ArrayList<>(types);
		all.addAll(Arrays.asList(more));
		return all;
	}

	private static String names(Class<?>[] types) {
		return String.join(", ", Arrays.stream(types).map(Class::getSimpleName).toList());
	}

	private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
		Throwable current = failure;
		for (int depth = 0; current != null && depth < 32; depth++) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
			if (Objects.equals(current.getCause(), current)) {
				break;
			}
			current = current.getCause();
		}
		return null;
	}

}
