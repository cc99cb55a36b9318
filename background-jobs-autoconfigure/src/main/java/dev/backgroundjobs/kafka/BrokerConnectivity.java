package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import org.springframework.kafka.core.KafkaAdmin;

/**
 * Checks that the Kafka cluster answers.
 */
public final class BrokerConnectivity {

	private final KafkaAdmin admin;

	/**
	 * Creates a check.
	 * @param admin provides the admin client configuration
	 */
	public BrokerConnectivity(KafkaAdmin admin) {
		this.admin = admin;
	}

	/**
	 * Asks the cluster for its id.
	 * @param timeout how long to wait
	 * @return the cluster id
	 * @throws Exception if the cluster does not answer in time
	 */
	public String clusterId(Duration timeout) throws Exception {
		try (Admin client = Admin.create(this.admin.getConfigurationProperties())) {
			DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) timeout.toMillis());
			return client.describeCluster(options).clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

}
