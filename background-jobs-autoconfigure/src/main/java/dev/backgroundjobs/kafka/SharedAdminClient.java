package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import dev.backgroundjobs.BackgroundJobsException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.util.Assert;

/**
 * The one Kafka admin client behind all of the starter's broker calls (topic checks, the
 * ends of event logs, health), created on first use and closed with the application.
 * <p>
 * A client per call would cost a new broker connection and a metadata round trip, and
 * registers metrics and MBeans under the Kafka client's global locks: under load, sends
 * that create topics missed their deadline waiting on those locks, and health checks
 * spent more CPU than the producer. An {@link Admin} is thread-safe and reconnects by
 * itself after a broker outage, so one serves every caller.
 */
public final class SharedAdminClient implements DisposableBean {

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private final KafkaAdmin admin;

	private final Function<KafkaAdmin, Admin> factory;

	private @Nullable Admin client;

	private boolean closed;

	/**
	 * Creates a holder whose client is built from the configuration of a
	 * {@link KafkaAdmin}.
	 * @param admin provides the admin client configuration
	 */
	public SharedAdminClient(KafkaAdmin admin) {
		this(admin, (configuration) -> Admin.create(configuration.getConfigurationProperties()));
	}

	SharedAdminClient(KafkaAdmin admin, Function<KafkaAdmin, Admin> factory) {
		Assert.notNull(admin, "'admin' must not be null");
		this.admin = admin;
		this.factory = factory;
	}

	/**
	 * Returns the configuration the client is created with.
	 * @return the admin client configuration
	 */
	public Map<String, Object> getConfigurationProperties() {
		return this.admin.getConfigurationProperties();
	}

	/**
	 * Returns the client, creating it on first use.
	 * @return the client
	 * @throws BackgroundJobsException if the application is stopping or the client cannot
	 * be created (a configuration error)
	 */
	public synchronized Admin get() {
		if (this.closed) {
			throw new BackgroundJobsException("The Kafka admin client is closed: the application is stopping");
		}
		if (this.client == null) {
			try {
				this.client = this.factory.apply(this.admin);
			}
			catch (KafkaException ex) {
				throw new BackgroundJobsException("Could not create a Kafka admin client: " + ex.getMessage(), ex);
			}
		}
		return this.client;
	}

	/**
	 * Closes the client; later calls of {@link #get()} fail.
	 */
	@Override
	public synchronized void destroy() {
		this.closed = true;
		if (this.client != null) {
			this.client.close(CLOSE_TIMEOUT);
			this.client = null;
		}
	}

}
