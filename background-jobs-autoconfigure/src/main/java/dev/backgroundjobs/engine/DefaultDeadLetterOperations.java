package dev.backgroundjobs.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.BackgroundJobsException;
import dev.backgroundjobs.DeadLetterBatch;
import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RecordRepublisher;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * {@link DeadLetterOperations} over the dead-letter store: failed runs are replayed
 * through {@link RunOperations}, poison records are published again through a
 * {@link RecordRepublisher}.
 */
public final class DefaultDeadLetterOperations implements DeadLetterOperations {

	private static final LogAccessor logger = new LogAccessor(DefaultDeadLetterOperations.class);

	private final DeadLetterStore deadLetters;

	private final RunOperations runs;

	private final @Nullable RecordRepublisher republisher;

	/**
	 * Creates the operations.
	 * @param deadLetters the dead-letter store
	 * @param runs replays failed runs
	 * @param republisher publishes poison records again, or {@code null} if no broker is
	 * available, so that replaying a poison record fails
	 */
	public DefaultDeadLetterOperations(DeadLetterStore deadLetters, RunOperations runs,
			@Nullable RecordRepublisher republisher) {
		Assert.notNull(deadLetters, "'deadLetters' must not be null");
		Assert.notNull(runs, "'runs' must not be null");
		this.deadLetters = deadLetters;
		this.runs = runs;
		this.republisher = republisher;
	}

	@Override
	public boolean replay(String id) {
		DeadLetterRecord deadLetter = this.deadLetters.find(id);
		if (deadLetter == null) {
			return false;
		}
		replay(deadLetter);
		return true;
	}

	private void replay(DeadLetterRecord deadLetter) {
		String runId = deadLetter.runId();
		if (runId != null) {
			this.runs.replay(runId);
			return;
		}
		if (this.republisher == null) {
			throw new IllegalStateException(
					"No broker is available to publish poison record " + deadLetter.id() + " again");
		}
		// Removed only once the broker has the record: a failed send keeps it.
		this.republisher.republish(deadLetter);
		this.deadLetters.delete(deadLetter.id());
		logger.info(() -> "Published poison record " + deadLetter.id() + " again to " + deadLetter.topic());
	}

	@Override
	public DeadLetterBatch replay(DeadLetterFilter filter) {
		List<String> done = new ArrayList<>();
		Map<String, String> skipped = new LinkedHashMap<>();
		for (DeadLetterRecord deadLetter : this.deadLetters.findMatching(filter)) {
			try {
				replay(deadLetter);
				done.add(deadLetter.id());
			}
			catch (BackgroundJobsException | IllegalStateException ex) {
				// One dead letter that cannot be replayed does not stop the others.
				skipped.put(deadLetter.id(), String.valueOf(ex.getMessage()));
			}
		}
		logger.info(() -> "Replayed " + done.size() + " dead letters; skipped " + skipped.size());
		return new DeadLetterBatch(done, skipped);
	}

	@Override
	public boolean delete(String id) {
		boolean deleted = this.deadLetters.delete(id);
		if (deleted) {
			logger.info(() -> "Deleted dead letter " + id);
		}
		return deleted;
	}

	@Override
	public DeadLetterBatch delete(DeadLetterFilter filter) {
		List<String> done = new ArrayList<>();
		for (DeadLetterRecord deadLetter : this.deadLetters.findMatching(filter)) {
			if (this.deadLetters.delete(deadLetter.id())) {
				done.add(deadLetter.id());
			}
		}
		logger.info(() -> "Deleted " + done.size() + " dead letters");
		return new DeadLetterBatch(done, Map.of());
	}

}
