package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Checks that the Kafka cluster answers.
 */
public final class BrokerConnectivity {

	private final SharedAdminClient admin;

	/**
	 * Creates a check.
	 * @param admin the admin client
	 */
	public BrokerConnectivity(SharedAdminClient admin) {
		this.admin = admin;
	}

	/**
	 * Asks the cluster for its id.
	 * @param timeout how long to wait
	 * @return the cluster id
	 * @throws Exception if the cluster does not answer in time
	 */
	public String clusterId(Duration timeout) throws Exception {
		DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) timeout.toMillis());
		return this.admin.get().describeCluster(options).clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

}
