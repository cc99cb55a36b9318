package dev.backgroundjobs.outbox;

import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.store.OutboxEntry;
import dev.backgroundjobs.store.OutboxStore;

import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

/**
 * Decides, send by send, whether an event goes through the outbox ({@link OutboxMode}),
 * writes it there, and hands it to the {@link OutboxRelay} right after the commit.
 * <p>
 * Inside a writable transaction on the starter's DataSource the rows are written with the
 * transaction's own connection, so they commit or roll back with the caller's writes; one
 * synchronization per transaction hands every row it wrote to the relay after the commit,
 * and none after a rollback. Without such a transaction (mode {@link OutboxMode#OUTBOX}
 * only) the rows are written in a transaction of their own and handed to the relay at
 * once.
 * <p>
 * State: the rows written in a transaction are bound to that transaction's thread (a
 * transaction resource keyed by this object) until it completes; nothing else is shared.
 */
public final class TransactionalOutbox {

	private final OutboxStore store;

	private final DataSource dataSource;

	private final TransactionTemplate ownTransaction;

	private final OutboxMode mode;

	private final OutboxRelay relay;

	/**
	 * Creates the outbox.
	 * @param store stores the rows
	 * @param dataSource the starter's DataSource, whose transactions the outbox joins
	 * @param transactionManager its transaction manager, for sends outside a transaction
	 * @param mode when sends go through the outbox
	 * @param relay relays the rows after their commit
	 */
	public TransactionalOutbox(OutboxStore store, DataSource dataSource, PlatformTransactionManager transactionManager,
			OutboxMode mode, OutboxRelay relay) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(mode, "'mode' must not be null");
		Assert.notNull(relay, "'relay' must not be null");
		this.store = store;
		this.dataSource = dataSource;
		this.ownTransaction = new TransactionTemplate(transactionManager);
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.mode = mode;
		this.relay = relay;
	}

	/**
	 * Whether a send on the current thread goes through the outbox.
	 * @return {@code true} for the outbox, {@code false} for a direct publication
	 */
	public boolean appliesToCurrentThread() {
		return switch (this.mode) {
			case DIRECT -> false;
			case OUTBOX -> true;
			case AUTO -> inWritableTransaction();
		};
	}

	/**
	 * Writes events to the outbox: in the current transaction when there is a writable
	 * one on the DataSource, to be relayed after it commits; otherwise in a transaction
	 * of their own, relayed at once.
	 * @param entries the events, in the order to relay them
	 */
	public void write(List<OutboxEntry> entries) {
		if (entries.isEmpty()) {
			return;
		}
		if (inWritableTransaction()) {
			List<OutboxEntry> written = withIds(entries, this.store.append(entries));
			pendingRelay().entries.addAll(written);
		}
		else {
			List<Long> ids = this.ownTransaction.execute((status) -> this.store.append(entries));
			Assert.state(ids != null, "The outbox returns the ids it wrote");
			this.relay.relayCommitted(withIds(entries, ids), System.nanoTime());
		}
	}

	private boolean inWritableTransaction() {
		return TransactionSynchronizationManager.isActualTransactionActive()
				&& TransactionSynchronizationManager.isSynchronizationActive()
				&& !TransactionSynchronizationManager.isCurrentTransactionReadOnly()
				&& TransactionSynchronizationManager.getResource(this.dataSource) != null;
	}

	private PendingRelay pendingRelay() {
		PendingRelay pending = (PendingRelay) TransactionSynchronizationManager.getResource(this);
		if (pending == null) {
			pending = new PendingRelay();
			TransactionSynchronizationManager.bindResource(this, pending);
			TransactionSynchronizationManager.registerSynchronization(pending);
		}
		return pending;
	}

	private static List<OutboxEntry> withIds(List<OutboxEntry> entries, List<Long> ids) {
		Assert.state(ids.size() == entries.size(), "Every outbox row has an id");
		List<OutboxEntry> written = new ArrayList<>(entries.size());
		for (int i = 0; i < entries.size(); i++) {
			written.add(entries.get(i).withId(ids.get(i)));
		}
		return written;
	}

	/**
	 * The rows one transaction wrote, handed to the relay once it has committed.
	 */
	private final class PendingRelay implements TransactionSynchronization {

		private final List<OutboxEntry> entries = new ArrayList<>();

		@Override
		public void afterCommit() {
			TransactionalOutbox.this.relay.relayCommitted(List.copyOf(this.entries), System.nanoTime());
		}

		@Override
		public void afterCompletion(int status) {
			TransactionSynchronizationManager.unbindResourceIfPossible(TransactionalOutbox.this);
		}

	}

}
