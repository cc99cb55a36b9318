package dev.backgroundjobs.kafka;

import java.util.Set;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Connects the publishing producer to the broker once the application context is ready,
 * so that the first {@code send} of a request does not pay for creating the producer,
 * fetching metadata and opening the connection (hundreds of milliseconds). It runs on a
 * thread of its own, started with the application's lifecycle, and only logs a failure:
 * an unreachable broker must not hold up start-up, and {@code send} reports it to its
 * caller anyway.
 */
public final class ProducerWarmUp implements SmartLifecycle {

	private static final LogAccessor logger = new LogAccessor(ProducerWarmUp.class);

	private final KafkaTemplate<String, byte[]> template;

	private final TopicProvisioner provisioner;

	private final String topic;

	private boolean running;

	/**
	 * Creates a warm-up.
	 * @param template the publisher's template
	 * @param provisioner creates the topic whose metadata is fetched
	 * @param topics names the topics; the dead-letter topic is used, as every application
	 * has it
	 */
	public ProducerWarmUp(KafkaTemplate<String, byte[]> template, TopicProvisioner provisioner, TopicNames topics) {
		this.template = template;
		this.provisioner = provisioner;
		this.topic = topics.deadLetters();
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		Thread thread = new Thread(this::warmUp, "background-jobs-producer-warm-up");
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * Marks the warm-up stopped; one in progress ends by itself within the producer's
	 * send timeout.
	 */
	@Override
	public synchronized void stop() {
		this.running = false;
	}

	@Override
	public synchronized boolean isRunning() {
		return this.running;
	}

	/**
	 * Creates the producer and fetches the metadata of one topic.
	 */
	void warmUp() {
		try {
			this.provisioner.ensureTopics(Set.of(this.topic));
			int partitions = this.template.partitionsFor(this.topic).size();
			logger.debug(() -> "Producer connected; " + this.topic + " has " + partitions + " partitions");
		}
		catch (RuntimeException ex) {
			logger.debug(ex, "Could not warm up the producer; the first send connects instead");
		}
	}

}
