package dev.backgroundjobs.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jspecify.annotations.Nullable;

/**
 * Runs the branch bodies of one parallel step at once on the {@link BranchPool} and waits
 * until every one has ended, so that no branch outlives the step.
 * <p>
 * A branch that stops the run (lost lease, unreachable database, refused checkpoint)
 * interrupts its siblings, as does an interruption of the waiting worker (the engine
 * stops); a branch that fails or parks lets its siblings finish, so their results are
 * checkpointed. State: the branch threads are tracked under this object's lock, so that a
 * thread is never interrupted after it has left its branch for other work.
 */
final class ParallelBranches {

	private final BranchPool pool;

	private final String description;

	// Guarded by this.
	private final Set<Thread> running = new HashSet<>();

	// Guarded by this.
	private boolean stopping;

	/**
	 * Creates the runner of one parallel step.
	 * @param pool the threads
	 * @param description names the step and run, for messages
	 */
	ParallelBranches(BranchPool pool, String description) {
		this.pool = pool;
		this.description = description;
	}

	/**
	 * Runs the bodies and waits for all of them. If the calling thread is interrupted,
	 * the branches are interrupted and still waited for, and the calling thread's
	 * interrupt flag is set again on return.
	 * @param <R> the bodies' result type
	 * @param bodies the bodies
	 * @return how each ended, in the order of the bodies
	 */
	<R> List<Ended<R>> runAll(List<Callable<R>> bodies) {
		AtomicReferenceArray<Ended<R>> ended = new AtomicReferenceArray<>(bodies.size());
		CountDownLatch done = new CountDownLatch(bodies.size());
		for (int i = 0; i < bodies.size(); i++) {
			int index = i;
			Callable<R> body = bodies.get(i);
			try {
				this.pool.execute(() -> runOne(body, index, ended, done));
			}
			catch (RejectedExecutionException ex) {
				ended.set(index, Ended.failed(new RunInterruption.Abandoned(
						"Could not start a branch of " + this.description + ": the engine has stopped", ex)));
				stop();
				done.countDown();
			}
		}
		try {
			done.await();
		}
		catch (InterruptedException ex) {
			// The branches tell why (the run cancelled, the engine stopping) as they end.
			stop();
			awaitUninterruptibly(done);
			Thread.currentThread().interrupt();
		}
		List<Ended<R>> outcomes = new ArrayList<>(bodies.size());
		for (int i = 0; i < bodies.size(); i++) {
			outcomes.add(ended.get(i));
		}
		return outcomes;
	}

	private <R> void runOne(Callable<R> body, int index, AtomicReferenceArray<Ended<R>> ended, CountDownLatch done) {
		Thread thread = Thread.currentThread();
		try {
			synchronized (this) {
				if (this.stopping) {
					ended.set(index,
							Ended.failed(new RunInterruption.Abandoned(
									"A branch of " + this.description + " was not started: a sibling stopped the run",
									null)));
					return;
				}
				this.running.add(thread);
			}
			try {
				ended.set(index, new Ended<>(body.call(), null));
			}
			catch (Throwable ex) {
				ended.set(index, Ended.failed(ex));
				if (ex instanceof RunInterruption && !(ex instanceof RunInterruption.Park)) {
					stop();
				}
			}
			finally {
				synchronized (this) {
					this.running.remove(thread);
				}
				// An interruption meant for this branch must not reach the thread's next
				// task.
				Thread.interrupted();
			}
		}
		finally {
			done.countDown();
		}
	}

	private synchronized void stop() {
		this.stopping = true;
		this.running.forEach(Thread::interrupt);
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		while (true) {
			try {
				latch.await();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * How a branch ended: with a result or a failure.
	 *
	 * @param <R> the result type
	 * @param result the result, if it ended normally
	 * @param failure the failure, if any
	 */
	record Ended<R>(@Nullable R result, @Nullable Throwable failure) {

		static <R> Ended<R> failed(Throwable failure) {
			return new Ended<>(null, failure);
		}

	}

}
