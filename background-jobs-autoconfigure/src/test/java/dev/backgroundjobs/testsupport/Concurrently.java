package dev.backgroundjobs.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks at the same time, each on a thread of its own, for tests of races between
 * writers.
 */
public final class Concurrently {

	private Concurrently() {
	}

	/**
	 * Starts every task on its own thread and waits for all of them.
	 * @param <T> the result type
	 * @param tasks the tasks
	 * @return their results, in the order of the tasks
	 * @throws Exception the first failure of a task, or a timeout after two minutes
	 */
	public static <T> List<T> run(List<Callable<T>> tasks) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(tasks.size());
		try {
			List<Future<T>> futures = new ArrayList<>();
			tasks.forEach((task) -> futures.add(executor.submit(task)));
			List<T> results = new ArrayList<>();
			for (Future<T> future : futures) {
				results.add(future.get(120, TimeUnit.SECONDS));
			}
			return results;
		}
		finally {
			executor.shutdownNow();
		}
	}

}
