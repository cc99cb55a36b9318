package dev.backgroundjobs.function;

import java.util.List;

import dev.backgroundjobs.BackgroundJobsException;
import dev.backgroundjobs.EventHandler;

import org.springframework.util.Assert;

/**
 * Thrown at start-up when one or more {@link EventHandler @EventHandler} methods are not
 * valid. Each problem names the bean, the method and the attribute or parameter at fault.
 */
public class InvalidEventHandlerException extends BackgroundJobsException {

	private final List<String> problems;

	/**
	 * Creates an exception.
	 * @param problems the problems, each naming the bean, the method and the attribute or
	 * parameter at fault
	 */
	public InvalidEventHandlerException(List<String> problems) {
		super(message(problems));
		this.problems = List.copyOf(problems);
	}

	private static String message(List<String> problems) {
		Assert.notEmpty(problems, "'problems' must not be empty");
		if (problems.size() == 1) {
			return problems.get(0);
		}
		StringBuilder message = new StringBuilder(problems.size() + " invalid @EventHandler declarations:");
		problems.forEach((problem) -> message.append(System.lineSeparator()).append(" - ").append(problem));
		return message.toString();
	}

	/**
	 * Returns the problems found.
	 * @return the problems, each naming the bean, the method and the attribute or
	 * parameter at fault
	 */
	public List<String> getProblems() {
		return this.problems;
	}

}
