package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.function.InvalidEventHandlerException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidEventHandlerException} as a description of every invalid
 * {@code @EventHandler} declaration and the rules to follow.
 */
class InvalidEventHandlerFailureAnalyzer extends AbstractFailureAnalyzer<InvalidEventHandlerException> {

	private static final String ACTION = """
			Correct the @EventHandler declarations listed above:
			\t- give each function a unique id of at most 200 letters, digits and . _ - / : (the default is <bean name>.<method name>)
			\t- set 'event' to one or more non-blank event names, 'cron' to a schedule, or both
			\t- write 'cron' as 5-field Unix cron ("0 * * * *"), 6-field Spring cron ("0 0 * * * *") or a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly), and 'zone' as a time zone id such as "Europe/Paris"
			\t- set 'retries' to 0 or more, or leave it unset for background-jobs.retry.max-retries
			\t- declare only Event<T>, Step and RunContext parameters, each at most once and in any order""";

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidEventHandlerException cause) {
		StringBuilder description = new StringBuilder();
		description.append((cause.getProblems().size() == 1) ? "An @EventHandler method is not valid:"
				: cause.getProblems().size() + " @EventHandler declarations are not valid:");
		description.append(System.lineSeparator());
		cause.getProblems()
			.forEach((problem) -> description.append(System.lineSeparator()).append("\t- ").append(problem));
		return new FailureAnalysis(description.toString(), ACTION, cause);
	}

}
