package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.RecordRepublisher;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.Assert;

/**
 * {@link RecordRepublisher} that sends a poison record's stored key, value and headers to
 * the topic it was read from, and waits for the broker's acknowledgement.
 */
public final class PoisonRecordRepublisher implements RecordRepublisher {

	private final KafkaTemplate<String, byte[]> template;

	private final Duration sendTimeout;

	/**
	 * Creates a republisher.
	 * @param template the template
	 * @param sendTimeout how long to wait for the broker's acknowledgement
	 */
	public PoisonRecordRepublisher(KafkaTemplate<String, byte[]> template, Duration sendTimeout) {
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(sendTimeout, "'sendTimeout' must not be null");
		this.template = template;
		this.sendTimeout = sendTimeout;
	}

	@Override
	public void republish(DeadLetterRecord poison) {
		Assert.isTrue(poison.isPoison() && poison.topic() != null,
				() -> "Dead letter " + poison.id() + " is not a poison record");
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(poison.topic(),
				(poison.rawKey() != null) ? new String(poison.rawKey(), StandardCharsets.UTF_8) : null,
				poison.rawValue());
		for (Header header : RecordHeadersCodec.decode(poison.rawHeaders())) {
			record.headers().add(header);
		}
		try {
			this.template.send(record).get(this.sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unacknowledged(poison, ex);
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			throw unacknowledged(poison, ex);
		}
	}

	private static BrokerUnavailableException unacknowledged(DeadLetterRecord poison, Exception ex) {
		return new BrokerUnavailableException("The broker did not acknowledge poison record " + poison.id()
				+ " published again to " + poison.topic() + "; the dead letter is kept", ex);
	}

}
