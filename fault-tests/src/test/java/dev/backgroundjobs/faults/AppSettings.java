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

	/**
	 * Returns the settings the scenarios use unless they need others: none, but with
	 * {@code -Dfaults.jfr=true} every app records a flight recording into
	 * {@code target/fault-logs}.
	 * @return the settings
	 */
	static AppSettings defaults() {
		List<String> jvmArgs = Boolean.getBoolean("faults.jfr")
				? List.of("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
						+ JavaProcess.LOGS.toAbsolutePath() + "/")
				: List.of();
		return new AppSettings(Map.of(), jvmArgs);
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
