package dev.backgroundjobs.store;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Stores dead letters.
 */
public interface DeadLetterStore {

	/**
	 * Records a poison record: one that could not be read.
	 * @param deadLetter the dead letter, with {@code runId == null} and the raw record
	 */
	void savePoison(DeadLetterRecord deadLetter);

	/**
	 * Finds a dead letter.
	 * @param id the dead letter id (the run id for a failed run)
	 * @return the dead letter, or {@code null}
	 */
	@Nullable DeadLetterRecord find(String id);

	/**
	 * Lists dead letters, newest first.
	 * @param limit the maximum number to return
	 * @return the dead letters
	 */
	List<DeadLetterRecord> findAll(int limit);

	/**
	 * Counts dead letters.
	 * @return the count
	 */
	long count();

}
