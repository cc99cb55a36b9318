package dev.backgroundjobs.faults.app;

import java.time.Instant;
import java.util.UUID;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Sends events through {@link EventPublisher} for the suite. The answer lists, one a
 * line, {@code <event id> <send micros>} for each event whose {@code send} returned, then
 * {@code error <micros> <message>} if a send failed (which ends the batch).
 * <p>
 * With {@code transactional=true} the batch is sent in one transaction on the app's
 * DataSource, so through the transactional outbox; with {@code haltAfterCommit=true} as
 * well, the process halts (as by {@code kill -9}) right after that transaction commits,
 * before the outbox relays its events.
 */
@RestController
class LoadController {

	private final EventPublisher publisher;

	private final TransactionTemplate transactions;

	LoadController(EventPublisher publisher, PlatformTransactionManager transactionManager) {
		this.publisher = publisher;
		this.transactions = new TransactionTemplate(transactionManager);
	}

	@PostMapping(path = "/send", produces = "text/plain")
	String send(@RequestParam String name, @RequestParam(defaultValue = "1") int count,
			@RequestParam(defaultValue = "") String text, @RequestParam(defaultValue = "ok") String mode,
			@RequestParam(required = false) @Nullable String id, @RequestParam(required = false) @Nullable String key,
			@RequestParam(required = false) @Nullable String timestamp,
			@RequestParam(defaultValue = "false") boolean transactional,
			@RequestParam(defaultValue = "false") boolean haltAfterCommit) {
		if (!transactional) {
			return sendEach(name, count, text, mode, id, key, timestamp);
		}
		return this.transactions.execute((status) -> {
			if (haltAfterCommit) {
				TransactionSynchronizationManager.registerSynchronization(new HaltAfterCommit());
			}
			String answer = sendEach(name, count, text, mode, id, key, timestamp);
			if (answer.contains("error ")) {
				status.setRollbackOnly();
			}
			return answer;
		});
	}

	private String sendEach(String name, int count, String text, String mode, @Nullable String id, @Nullable String key,
			@Nullable String timestamp) {
		StringBuilder answer = new StringBuilder();
		for (int i = 0; i < count; i++) {
			FaultEvent data = new FaultEvent((key != null) ? key : UUID.randomUUID().toString(), text, mode);
			Event<FaultEvent> event = new Event<>((id != null) ? id : UUID.randomUUID().toString(), name, data,
					(timestamp != null) ? Instant.parse(timestamp) : Instant.now());
			long start = System.nanoTime();
			try {
				String sent = this.publisher.send(event);
				answer.append(sent).append(' ').append(micros(start)).append('\n');
			}
			catch (RuntimeException ex) {
				answer.append("error ").append(micros(start)).append(' ').append(ex).append('\n');
				break;
			}
		}
		return answer.toString();
	}

	/**
	 * Halts the process after the commit and before any other synchronization, such as
	 * the outbox's relay, runs.
	 */
	private static final class HaltAfterCommit implements TransactionSynchronization, Ordered {

		@Override
		public void afterCommit() {
			Runtime.getRuntime().halt(137);
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

	private static long micros(long start) {
		return (System.nanoTime() - start) / 1000;
	}

}
