package dev.backgroundjobs.engine;

import java.util.UUID;

import org.springframework.util.Assert;

/**
 * The id of this instance: the owner of the leases it takes. Unique among running
 * instances, including several application contexts in one JVM.
 *
 * @param value the id
 */
public record InstanceId(String value) {

	/**
	 * Creates an id, checking it.
	 * @param value the id
	 */
	public InstanceId {
		Assert.hasText(value, "'value' must not be empty");
		Assert.isTrue(value.length() <= 100, "'value' must be at most 100 characters");
	}

	/**
	 * Generates an id from the host name, the process id and a random suffix.
	 * @return the id
	 */
	public static InstanceId generate() {
		String host;
		try {
			host = java.net.InetAddress.getLocalHost().getHostName();
		}
		catch (java.io.IOException ex) {
			host = "unknown";
		}
		if (host.length() > 40) {
			host = host.substring(0, 40);
		}
		String suffix = UUID.randomUUID().toString().substring(0, 8);
		return new InstanceId(host + "-" + ProcessHandle.current().pid() + "-" + suffix);
	}

	@Override
	public String toString() {
		return this.value;
	}

}
