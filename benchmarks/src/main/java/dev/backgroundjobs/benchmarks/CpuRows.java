package dev.backgroundjobs.benchmarks;

/**
 * Records a {@link CpuUsage} as rows of the results: CPU milliseconds per run for a
 * drain, or percent of one core for a load at a fixed rate.
 */
final class CpuRows {

	private static final String NO_POSTGRES = "PostgreSQL CPU rows are missing: no PostgreSQL process of the "
			+ "benchmark's database was readable in /proc (not Linux, or the server runs elsewhere)";

	private final Results results;

	/**
	 * Creates rows in the given results.
	 * @param results the results
	 */
	CpuRows(Results results) {
		this.results = results;
	}

	/**
	 * Records CPU milliseconds per run: {@code <prefix> CPU ms per run, <part><suffix>}.
	 * @param prefix the workload, such as {@code "W2 drain"}
	 * @param suffix appended to the names, to tell shapes apart
	 * @param system the system
	 * @param usage the CPU time used
	 * @param runs the runs completed meanwhile
	 * @param shape which parts are the system's
	 */
	void perRun(String prefix, String suffix, String system, CpuUsage usage, long runs, Parts shape) {
		record(prefix + " CPU ms per run, ", suffix, system, usage, shape,
				(nanos) -> CpuUsage.millisPerRun(nanos, runs));
	}

	/**
	 * Records CPU time as percent of one core: {@code <prefix> CPU % of one core<label>,
	 * <part><suffix>}.
	 * @param prefix the workload, such as {@code "W4"}
	 * @param label what the load was, such as {@code " at 100 events/s"}
	 * @param suffix appended to the names, to tell shapes apart
	 * @param system the system
	 * @param usage the CPU time used
	 * @param shape which parts are the system's
	 */
	void percent(String prefix, String label, String suffix, String system, CpuUsage usage, Parts shape) {
		record(prefix + " CPU % of one core" + label + ", ", suffix, system, usage, shape, usage::percentOfOneCore);
	}

	private void record(String name, String suffix, String system, CpuUsage usage, Parts shape, Scale scale) {
		this.results.add(name + "application" + suffix, false, system, scale.apply(usage.applicationNanos()));
		if (shape != Parts.NO_BROKER) {
			// No ratio: in the JVM every system runs beside the broker, only ours uses
			// it.
			this.results.addUnranked(name + "broker" + suffix, system, scale.apply(usage.brokerNanos()));
		}
		if (usage.postgresNanos().isEmpty()) {
			this.results.note(NO_POSTGRES);
			return;
		}
		long postgres = usage.postgresNanos().getAsLong();
		this.results.add(name + "PostgreSQL" + suffix, false, system, scale.apply(postgres));
		if (shape != Parts.IN_JVM_BROKER) {
			this.results.add(name + "all processes" + suffix, false, system,
					scale.apply(usage.applicationNanos() + usage.brokerNanos() + postgres));
		}
	}

	/**
	 * Where the parts of the measured system run.
	 */
	enum Parts {

		/**
		 * One JVM beside the in-JVM broker: the application's share, the broker's share
		 * (reported without a ratio) and PostgreSQL's.
		 */
		IN_JVM_BROKER,

		/**
		 * App processes and a broker process: each share and their sum with PostgreSQL's.
		 */
		BROKER_PROCESS,

		/**
		 * App processes and no broker: the application's and PostgreSQL's shares and
		 * their sum.
		 */
		NO_BROKER

	}

	@FunctionalInterface
	private interface Scale {

		double apply(long nanos);

	}

}
