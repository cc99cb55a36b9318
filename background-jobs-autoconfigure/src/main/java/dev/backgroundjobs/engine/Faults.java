package dev.backgroundjobs.engine;

import java.io.IOException;

import dev.backgroundjobs.BrokerUnavailableException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionTimedOutException;

/**
 * Tells transient failures of the infrastructure from permanent ones, in one place for
 * every loop, consumer and worker.
 * <p>
 * A transient failure (the database or the broker unreachable, a connection reset, the
 * connection pool exhausted, a deadlock victim, a commit whose outcome is unknown) goes
 * away by itself: the work waits and is tried again, spending no retry. Anything else is
 * permanent: the same input fails the same way again (a value the database refuses, a
 * constraint, a bug), so retrying it forever would wedge the work behind it; it fails
 * that one record or attempt instead.
 */
public final class Faults {

	private Faults() {
	}

	/**
	 * Whether a failure, or any of its causes, is transient.
	 * @param failure the failure
	 * @return whether waiting and trying again can succeed
	 */
	public static boolean isTransient(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (isTransientType(cause)) {
				return true;
			}
		}
		return false;
	}

	private static boolean isTransientType(Throwable failure) {
		return failure instanceof BrokerUnavailableException || failure instanceof TransientDataAccessException
				|| failure instanceof RecoverableDataAccessException
				|| failure instanceof DataAccessResourceFailureException
				|| failure instanceof PessimisticLockingFailureException
				|| failure instanceof CannotCreateTransactionException
				|| failure instanceof TransactionTimedOutException || isUnknownCommitOutcome(failure)
				|| failure instanceof IOException;
	}

	/**
	 * A commit or rollback that failed on the wire (Spring reports it as a
	 * {@code TransactionSystemException}) leaves the outcome unknown: it is retried, and
	 * every write is idempotent or fenced so that a commit that did happen is found.
	 */
	private static boolean isUnknownCommitOutcome(Throwable failure) {
		return failure instanceof TransactionException;
	}

}
