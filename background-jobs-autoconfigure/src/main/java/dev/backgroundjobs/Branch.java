package dev.backgroundjobs;

import java.lang.reflect.Type;
import java.util.concurrent.Callable;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.util.Assert;

/**
 * One branch of a {@link Step#parallel parallel step}: a named step body that runs at the
 * same time as its siblings. Its step id is the parallel step's id, a slash and its name
 * ({@code load/user}).
 *
 * @param <T> the result type
 */
public final class Branch<T> {

	private final String name;

	private final Type type;

	private final Callable<T> action;

	private Branch(String name, Type type, Callable<T> action) {
		Assert.hasText(name, "'name' must not be empty");
		Assert.isTrue(name.indexOf('\u0000') < 0, () -> "Branch name '" + name + "' must not contain U+0000");
		Assert.notNull(action, "'action' must not be null");
		this.name = name;
		this.type = type;
		this.action = action;
	}

	/**
	 * Creates a branch that produces a result.
	 * @param <T> the result type
	 * @param name the branch name, unique in its parallel step
	 * @param type the result type, used to read a stored result back
	 * @param action the work, which must not call the {@link Step}
	 * @return the branch
	 */
	public static <T> Branch<T> of(String name, Class<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		return new Branch<>(name, type, action);
	}

	/**
	 * Creates a branch that produces a result of a generic type, for example a
	 * {@code List<Invoice>}.
	 * @param <T> the result type
	 * @param name the branch name, unique in its parallel step
	 * @param type the result type, used to read a stored result back
	 * @param action the work, which must not call the {@link Step}
	 * @return the branch
	 */
	public static <T> Branch<T> of(String name, ParameterizedTypeReference<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		return new Branch<>(name, type.getType(), action);
	}

	/**
	 * Creates a branch that produces no result; its element of the results is
	 * {@code null}.
	 * @param name the branch name, unique in its parallel step
	 * @param action the work, which must not call the {@link Step}
	 * @return the branch
	 */
	public static Branch<Void> of(String name, Step.Action action) {
		Assert.notNull(action, "'action' must not be null");
		return new Branch<>(name, Void.class, () -> {
			action.run();
			return null;
		});
	}

	/**
	 * Returns the branch name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Returns the result type, used to read a stored result back.
	 * @return the type
	 */
	public Type type() {
		return this.type;
	}

	/**
	 * Returns the work.
	 * @return the work
	 */
	public Callable<T> action() {
		return this.action;
	}

	@Override
	public String toString() {
		return "Branch '" + this.name + "' of " + this.type.getTypeName();
	}

}
