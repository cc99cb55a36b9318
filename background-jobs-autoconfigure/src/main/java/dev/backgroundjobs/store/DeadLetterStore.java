package dev.backgroundjobs.store;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;

import dev.backgroundjobs.DeadLetterFilter;
import org.jspecify.annotations.Nullable;

/**
 * Stores dead letters. The stored dead letter is the source of truth; its publication to
 * the dead-letter topic is relayed from here until the broker acknowledges it (an
 * outbox).
 */
public interface DeadLetterStore {

	/**
	 * Records a poison record: one that could not be read. A dead letter with the same id
	 * (the same record, delivered again) is left as it is.
	 * @param deadLetter the dead letter, with {@code runId == null} and the raw record
	 * @return whether it was recorded, {@code false} if it already was
	 */
	boolean savePoison(DeadLetterRecord deadLetter);

	/**
	 * Relays dead letters not yet published: claims up to {@code limit} of them, oldest
	 * first and skipping those another relay holds, hands them to {@code publisher} while
	 * holding them, and marks those whose ids it returns as published. A dead letter
	 * removed meanwhile (its run replayed) waits for the claim to end, so it is never
	 * published after it was removed.
	 * @param limit the most dead letters to claim
	 * @param publisher publishes dead letters and returns the ids of those acknowledged
	 * @return the number of dead letters marked as published
	 */
	int relayUnpublished(int limit, Function<List<DeadLetterRecord>, Collection<String>> publisher);

	/**
	 * Counts dead letters not yet published to the dead-letter topic.
	 * @return the count
	 */
	long countUnpublished();

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
	 * Lists the dead letters of one function, newest first.
	 * @param functionId the function id
	 * @param limit the maximum number to return
	 * @return the dead letters
	 */
	List<DeadLetterRecord> findByFunction(String functionId, int limit);

	/**
	 * Lists the dead letters a filter selects, oldest first.
	 * @param filter the filter, with the most dead letters to return
	 * @return the dead letters
	 */
	List<DeadLetterRecord> findMatching(DeadLetterFilter filter);

	/**
	 * Deletes a dead letter. The run of a failed run's dead letter stays
	 * {@link dev.backgroundjobs.RunStatus#FAILED}, and can still be replayed.
	 * @param id the dead letter id
	 * @return whether it was deleted, {@code false} if there was none with that id
	 */
	boolean delete(String id);

	/**
	 * Counts dead letters.
	 * @return the count
	 */
	long count();

}
