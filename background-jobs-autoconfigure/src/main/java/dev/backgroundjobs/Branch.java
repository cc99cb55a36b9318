package dev.backgroundjobs;

import java.util.concurrent.Callable;

import org.springframework.util.Assert;

/**
 * One branch of a {@link Step#parallel parallel step}: a named step body that runs at the
 * same time as its siblings.
 *
 * @param <T> the result type
 * @param name the branch name, unique in its parallel step; the branch's step id is the
 * parallel step's id, a slash and this name ({@code load/user})
 * @param type the result type, used to read a stored result back
 * @param action the work, which must not call the {@link Step}
 */
public record Branch<T>(String name, Class<T> type, Callable<T> action) {

	/**
	 * Creates a branch, checking its arguments.
	 * @param name the branch name
	 * @param type the result type
	 * @param action the work
	 */
	public Branch {
		Assert.hasText(name, "'name' must not be empty");
		Assert.isTrue(name.indexOf('\u0000') < 0, () -> "Branch name '" + name + "' must not contain U+0000");
		Assert.notNull(type, "'type' must not be null");
		Assert.notNull(action, "'action' must not be null");
	}

	/**
	 * Creates a branch that produces a result.
	 * @param <T> the result type
	 * @param name the branch name
	 * @param type the result type
	 * @param action the work
	 * @return the branch
	 */
	public static <T> Branch<T> of(String name, Class<T> type, Callable<T> action) {
		return new Branch<>(name, type, action);
	}

	/**
	 * Creates a branch that produces no result; its element of the results is
	 * {@code null}.
	 * @param name the branch name
	 * @param action the work
	 * @return the branch
	 */
	public static Branch<Void> of(String name, Step.Action action) {
		Assert.notNull(action, "'action' must not be null");
		return new Branch<>(name, Void.class, () -> {
			action.run();
			return null;
		});
	}

}
