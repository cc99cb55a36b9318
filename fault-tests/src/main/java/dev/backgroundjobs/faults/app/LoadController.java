package dev.backgroundjobs.faults.app;

import java.time.Instant;
import java.util.UUID;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import org.jspecify.annotations.Nullable;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Sends events through {@link EventPublisher} for the suite. The answer lists, one a
 * line, {@code <event id> <send micros>} for each event whose {@code send} returned, then
 * {@code error <micros> <message>} if a send failed (which ends the batch).
 */
@RestController
class LoadController {

	private final EventPublisher publisher;

	LoadController(EventPublisher publisher) {
		this.publisher = publisher;
	}

	@PostMapping(path = "/send", produces = "text/plain")
	String send(@RequestParam String name, @RequestParam(defaultValue = "1") int count,
			@RequestParam(defaultValue = "") String text, @RequestParam(defaultValue = "ok") String mode,
			@RequestParam(required = false) @Nullable String id, @RequestParam(required = false) @Nullable String key,
			@RequestParam(required = false) @Nullable String timestamp) {
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

	private static long micros(long start) {
		return (System.nanoTime() - start) / 1000;
	}

}
