package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.List;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RetryPolicy;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;

/**
 * Resolves the retry policy of a function, most specific first: the configured override
 * ({@code background-jobs.functions.<id>.retry.*}), the attributes of
 * {@link EventHandler#retries()} and {@link EventHandler#retry()}, the named policy of
 * {@link EventHandler.Retry#config()}, and the defaults
 * ({@code background-jobs.retry.*}). Collects every problem with the attributes rather
 * than stopping at the first.
 */
final class FunctionRetryPolicyResolver {

	private static final String DURATION_FORMAT = "use for example '2s', '500ms', '1m' or 'PT1M'";

	private final FunctionRetrySettings settings;

	FunctionRetryPolicyResolver(FunctionRetrySettings settings) {
		this.settings = settings;
	}

	/**
	 * Resolves the complete policy of a function.
	 * @param candidate the handler method
	 * @param id its function id
	 * @param problems receives a message per problem found
	 * @return the policy, or {@code null} if any problem was found
	 */
	@Nullable RetryPolicy resolve(HandlerCandidate candidate, String id, List<String> problems) {
		int before = problems.size();
		RetryPolicy declared = declared(candidate, problems);
		RetryPolicy named = named(candidate, problems);
		if (problems.size() > before || declared == null) {
			return null;
		}
		RetryPolicy policy = declared.orElse(named).orElse(this.settings.defaults());
		RetryPolicy override = this.settings.overrides().get(id);
		return (override != null) ? override.orElse(policy) : policy;
	}

	/**
	 * Returns the policy of a function that has no annotation of its own, such as a
	 * failure handler: the configured override, then the defaults.
	 * @param id the function id
	 * @return the policy
	 */
	RetryPolicy configured(String id) {
		RetryPolicy override = this.settings.overrides().get(id);
		return (override != null) ? override.orElse(this.settings.defaults()) : this.settings.defaults();
	}

	private @Nullable RetryPolicy declared(HandlerCandidate candidate, List<String> problems) {
		EventHandler annotation = candidate.annotation();
		EventHandler.Retry retry = annotation.retry();
		Integer attempts = attempts(candidate, problems);
		Duration initialInterval = duration(candidate, "initialInterval", retry.initialInterval(), problems);
		Duration maxInterval = duration(candidate, "maxInterval", retry.maxInterval(), problems);
		if (retry.multiplier() != 0 && !(retry.multiplier() >= 1)) {
			problems.add(candidate.problem("attribute 'retry.multiplier' is " + retry.multiplier()
					+ "; use 1 or more, or leave it unset for the default"));
		}
		if (retry.jitter() != -1 && !(retry.jitter() >= 0 && retry.jitter() < 1)) {
			problems.add(candidate.problem("attribute 'retry.jitter' is " + retry.jitter()
					+ "; use at least 0 and below 1, or leave it unset for the default"));
		}
		if (initialInterval != null && maxInterval != null && maxInterval.compareTo(initialInterval) < 0) {
			problems.add(candidate.problem("attribute 'retry.maxInterval' is '" + retry.maxInterval()
					+ "', shorter than 'retry.initialInterval' ('" + retry.initialInterval() + "')"));
			return null;
		}
		for (Class<? extends Throwable> type : retry.retryOn()) {
			if (List.of(retry.noRetryOn()).contains(type)) {
				problems.add(candidate.problem("attribute 'retry.retryOn' and 'retry.noRetryOn' both list "
						+ type.getName() + "; list it in one of them"));
			}
		}
		RetryPolicy policy = (attempts != null) ? RetryPolicy.attempts(attempts) : RetryPolicy.defaults();
		if (initialInterval != null) {
			policy = policy.initialInterval(initialInterval);
		}
		if (retry.multiplier() >= 1) {
			policy = policy.multiplier(retry.multiplier());
		}
		if (maxInterval != null) {
			policy = policy.maxInterval(maxInterval);
		}
		if (retry.jitter() >= 0 && retry.jitter() < 1) {
			policy = policy.jitter(retry.jitter());
		}
		if (retry.retryOn().length > 0) {
			policy = policy.retryOn(retry.retryOn());
		}
		if (retry.noRetryOn().length > 0) {
			policy = policy.noRetryOn(retry.noRetryOn());
		}
		return policy;
	}

	/**
	 * Returns the attempts the annotation sets, the first one included, or {@code null}
	 * if it sets none or they are invalid.
	 */
	private @Nullable Integer attempts(HandlerCandidate candidate, List<String> problems) {
		int retries = candidate.annotation().retries();
		int attempts = candidate.annotation().retry().attempts();
		int defaultAttempts = this.settings.defaults().maxAttempts().orElse(1);
		boolean valid = true;
		if (retries < EventHandler.DEFAULT_RETRIES) {
			problems.add(candidate.problem("attribute 'retries' is " + retries
					+ "; use 0 or more, or leave it unset for the configured default (" + (defaultAttempts - 1) + ")"));
			valid = false;
		}
		if (attempts != -1 && attempts < 1) {
			problems.add(candidate.problem("attribute 'retry.attempts' is " + attempts
					+ "; use 1 or more (the first attempt counts), or leave it unset for the configured default ("
					+ defaultAttempts + " attempts)"));
			valid = false;
		}
		if (!valid) {
			return null;
		}
		if (retries != EventHandler.DEFAULT_RETRIES && attempts != -1 && attempts != retries + 1) {
			problems.add(candidate.problem("attributes 'retries' (" + retries + ") and 'retry.attempts' (" + attempts
					+ ") disagree: 'retries' counts the attempts after the first, so it means 'retry.attempts = "
					+ (retries + 1) + "'; set only one of them"));
			return null;
		}
		if (attempts != -1) {
			return attempts;
		}
		return (retries != EventHandler.DEFAULT_RETRIES) ? retries + 1 : null;
	}

	private @Nullable Duration duration(HandlerCandidate candidate, String attribute, String value,
			List<String> problems) {
		if (value.isEmpty()) {
			return null;
		}
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(value.trim());
		}
		catch (IllegalArgumentException ex) {
			problems.add(candidate.problem("attribute 'retry." + attribute + "' is '" + value
					+ "', which is not a duration; " + DURATION_FORMAT));
			return null;
		}
		if (duration.isNegative() || duration.isZero()) {
			problems
				.add(candidate.problem("attribute 'retry." + attribute + "' is '" + value + "'; it must be positive"));
			return null;
		}
		return duration;
	}

	private RetryPolicy named(HandlerCandidate candidate, List<String> problems) {
		String name = candidate.annotation().retry().config();
		if (name.isBlank()) {
			if (!name.isEmpty()) {
				problems.add(candidate.problem("attribute 'retry.config' is blank; name a resilience4j retry "
						+ "instance or leave it unset"));
			}
			return RetryPolicy.defaults();
		}
		try {
			return this.settings.named().find(name);
		}
		catch (IllegalArgumentException ex) {
			problems.add(candidate.problem("attribute 'retry.config' is '" + name + "', but " + ex.getMessage()));
			return RetryPolicy.defaults();
		}
	}

}
