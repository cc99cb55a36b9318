package dev.backgroundjobs.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of the app processes of a scenario: Spring properties beyond the connection
 * settings the cluster gives, and JVM options.
 *
 * @param properties Spring properties, such as {@code background-jobs.worker.concurrency}
 * @param jvmArgs options of the JVM, such as a flight recording
 */
record AppSettings(Map<String, String> properties, List<String> jvmArgs) {

	static AppSettings defaults() {
		return new AppSettings(Map.of(), List.of());
	}

	AppSettings with(String property, String value) {
		Map<String, String> properties = new LinkedHashMap<>(this.properties);
		properties.put(property, value);
		return new AppSettings(properties, this.jvmArgs);
	}

	AppSettings withJvmArg(String arg) {
		List<String> jvmArgs = new ArrayList<>(this.jvmArgs);
		jvmArgs.add(arg);
		return new AppSettings(this.properties, jvmArgs);
	}

}
