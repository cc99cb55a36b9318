package dev.backgroundjobs.jdbc;

import java.util.function.BiPredicate;

import dev.backgroundjobs.store.KeyDigest;
import dev.backgroundjobs.Singleton;
import dev.backgroundjobs.store.NewRun;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.TransientDataAccessResourceException;

/**
 * Claims the singleton keys of new runs in {@code bj_singleton_keys}, in the transaction
 * of {@link JdbcRunInserts#insertLeasedGated} that records them. A key's row names the
 * run that last claimed it; that run holds the key while it is unfinished, whatever its
 * status ({@code DELAYED}, {@code QUEUED}, {@code RUNNING}, {@code SLEEPING} or
 * {@code WAITING}), and a finished or deleted run holds nothing, so a run's end needs no
 * write here. The row's lock, held until the new run commits or rolls back, serializes
 * the instances claiming one key: the second sees the first's run.
 */
final class JdbcSingletonKeys {

	/**
	 * Locks the key's row at once when it exists, as it mostly does. Inserting first
	 * would take a shared lock on MariaDB and MySQL that two instances then both try to
	 * upgrade, a deadlock; see {@link JdbcRunInserts}.
	 */
	private static final String SELECT_HOLDER = """
			SELECT run_id FROM bj_singleton_keys WHERE singleton_key = :singletonKey FOR UPDATE
			""";

	private static final String INSERT_KEY = """
			INSERT INTO bj_singleton_keys (singleton_key, run_id) VALUES (:singletonKey, :runId)
			""";

	private static final String SET_HOLDER = """
			UPDATE bj_singleton_keys SET run_id = :runId WHERE singleton_key = :singletonKey
			""";

	private static final String COUNT_UNFINISHED = """
			SELECT COUNT(*) FROM bj_runs
			WHERE run_id = :runId AND status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING')
			""";

	private final JdbcStoreSupport support;

	private final String insertKey;

	/**
	 * Cancels a run in the caller's transaction as {@link JdbcRunStore#cancel} does,
	 * given its id and the reason, and says whether it did.
	 */
	private final BiPredicate<String, String> cancel;

	JdbcSingletonKeys(JdbcStoreSupport support, BiPredicate<String, String> cancel) {
		this.support = support;
		this.insertKey = support.dialect().insertIgnoringDuplicates(INSERT_KEY);
		this.cancel = cancel;
	}

	/**
	 * Returns the stored key of a singleton key of a function's runs: the SHA-256 of the
	 * function id and the key's value, so that one short column indexes keys of any
	 * length and the keys of different functions are apart.
	 * @param functionId the function id
	 * @param key the singleton key
	 * @return the hex digest
	 */
	static String digest(String functionId, NewRun.SingletonKey key) {
		return KeyDigest.sha256Hex(functionId + '\u0000' + key.key());
	}

	/**
	 * Claims a new run's singleton key in the caller's transaction, in which the run was
	 * just inserted.
	 * @param run the new run, with a singleton key
	 * @param key its singleton key
	 * @return what the claim did
	 */
	Claim claim(NewRun run, NewRun.SingletonKey key) {
		String singletonKey = digest(run.functionId(), key);
		String holder = holder(singletonKey);
		for (int attempt = 1; holder == null; attempt++) {
			if (insertKey(singletonKey, run.runId())) {
				return Claim.FREE;
			}
			// Inserted by another instance since, so found now, unless retention deleted
			// it again in between: then try again, and leave it to the retried poll after
			// that.
			holder = holder(singletonKey);
			if (holder == null && attempt == 3) {
				throw new TransientDataAccessResourceException("The singleton key of run " + run.runId()
						+ " was inserted and deleted by others while it was claimed");
			}
		}
		if (holder.equals(run.runId())) {
			// The run claimed the key before retention deleted it, and its event came
			// again.
			return Claim.FREE;
		}
		if (key.mode() == Singleton.Mode.SKIP) {
			if (isUnfinished(holder)) {
				return Claim.SKIPPED;
			}
			setHolder(singletonKey, run.runId());
			return Claim.FREE;
		}
		// CANCEL: the update only cancels an unfinished run, so no read is needed first.
		String reason = "cancelled: superseded by event " + run.eventId() + " (" + key.rule() + ")";
		boolean cancelled = this.cancel.test(holder, reason);
		setHolder(singletonKey, run.runId());
		return cancelled ? Claim.superseded(holder, reason) : Claim.FREE;
	}

	private @Nullable String holder(String singletonKey) {
		return this.support.jdbc()
			.sql(SELECT_HOLDER)
			.param("singletonKey", singletonKey)
			.query(String.class)
			.optional()
			.orElse(null);
	}

	private boolean insertKey(String singletonKey, String runId) {
		try {
			return this.support.jdbc()
				.sql(this.insertKey)
				.param("singletonKey", singletonKey)
				.param("runId", runId)
				.update() == 1;
		}
		catch (DuplicateKeyException ex) {
			// Inserted by another instance: as insert-ignore does on the other databases
			return false;
		}
	}

	private void setHolder(String singletonKey, String runId) {
		this.support.jdbc().sql(SET_HOLDER).param("singletonKey", singletonKey).param("runId", runId).update();
	}

	private boolean isUnfinished(String runId) {
		return this.support.jdbc().sql(COUNT_UNFINISHED).param("runId", runId).query(Integer.class).single() > 0;
	}

	/**
	 * What claiming a singleton key did.
	 *
	 * @param skipped whether the new run must be skipped: the key's run is unfinished and
	 * the mode is {@code SKIP}
	 * @param cancelledRunId the run the new run cancelled ({@code CANCEL}), or
	 * {@code null}
	 * @param reason the reason recorded on the cancelled run, or {@code null}
	 */
	record Claim(boolean skipped, @Nullable String cancelledRunId, @Nullable String reason) {

		/**
		 * The key was free, or held by a finished run: the new run holds it now.
		 */
		static final Claim FREE = new Claim(false, null, null);

		/**
		 * The key's run is unfinished: the new run is skipped.
		 */
		static final Claim SKIPPED = new Claim(true, null, null);

		static Claim superseded(String runId, String reason) {
			return new Claim(false, runId, reason);
		}

	}

}
