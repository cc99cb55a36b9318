package dev.backgroundjobs.jdbc;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.jspecify.annotations.Nullable;

/**
 * Per function, a hint kept in memory that runs may be waiting for a concurrency slot, so
 * that the end of a run on this instance costs no query while no run waits (see
 * {@link JdbcConcurrencySlots#admitWaiting}). A hint is never trusted to admit a run,
 * only to skip a look at an empty queue; the poll looks at every queue whatever the hints
 * say, and so learns of runs that other instances made wait.
 * <p>
 * Written by intake threads after a transaction that made runs wait commits, and by every
 * look that finds runs waiting; removed by a look that found the queue empty, only if no
 * one wrote it since that look began. It is a count rather than a flag for that reason: a
 * look that began before runs started waiting (and so could not see them) does not remove
 * the hint their intake wrote.
 */
final class WaitingRunHints {

	private final ConcurrentMap<String, Long> hints = new ConcurrentHashMap<>();

	/**
	 * Notes that runs of a function may be waiting for a slot.
	 * @param functionId the function id
	 */
	void note(String functionId) {
		this.hints.merge(functionId, 1L, Long::sum);
	}

	/**
	 * Returns the hint of a function, to read before looking at its queue.
	 * @param functionId the function id
	 * @return the hint, or {@code null} if no run is known to wait
	 */
	@Nullable Long current(String functionId) {
		return this.hints.get(functionId);
	}

	/**
	 * Notes that a look at a function's queue found it empty.
	 * @param functionId the function id
	 * @param seen the hint read before the look
	 */
	void foundEmpty(String functionId, @Nullable Long seen) {
		if (seen != null) {
			this.hints.remove(functionId, seen);
		}
	}

}
