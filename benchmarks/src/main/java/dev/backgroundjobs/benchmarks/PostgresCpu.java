package dev.backgroundjobs.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The CPU time of the PostgreSQL processes that work for the benchmark, read from
 * {@code /proc}: the backends connected to the benchmark's database and the autovacuum
 * workers on it (told apart by the title PostgreSQL gives each process), plus the
 * server's own processes, which serve every database (postmaster, checkpointer,
 * background writer, WAL writer). Backends of other databases are left out, since the
 * server may be shared.
 * <p>
 * A backend that ends between two samples takes its CPU time with it, so connections
 * should stay open while measured, as pooled ones do.
 */
final class PostgresCpu {

	private static final Pattern PARALLEL_WORKER = Pattern.compile("parallel worker for PID (\\d+)");

	private static final Pattern HOST = Pattern.compile("\\[local\\]|.*\\(\\d+\\)");

	private final String database;

	/**
	 * Creates a reader for the processes of one database.
	 * @param database the database the benchmark connects to
	 */
	PostgresCpu(String database) {
		this.database = database;
	}

	/**
	 * Returns the name of the database in a PostgreSQL JDBC URL, such as {@code test} in
	 * {@code jdbc:postgresql://127.0.0.1:5432/test?currentSchema=x}.
	 * @param jdbcUrl the URL
	 * @return the database
	 */
	static String databaseOf(String jdbcUrl) {
		String path = jdbcUrl.substring(jdbcUrl.indexOf("//") + 2);
		path = path.substring(path.indexOf('/') + 1);
		int query = path.indexOf('?');
		return (query >= 0) ? path.substring(0, query) : path;
	}

	/**
	 * Returns the database that the process with the given command line works for.
	 * @param commandLine the process's command line, the title PostgreSQL gives it
	 * @param leaderTitle looks up the title of another process, for parallel workers
	 * @return the database, {@code ""} for the server's own processes, {@code null} for a
	 * process that cannot be attributed
	 */
	static @Nullable String databaseOfProcess(String commandLine, TitleLookup leaderTitle) {
		int prefix = commandLine.indexOf("postgres: ");
		if (prefix != 0) {
			// The postmaster keeps the command line it was started with.
			return "";
		}
		String title = commandLine.substring("postgres: ".length()).trim();
		String[] tokens = title.split("\\s+");
		if (tokens.length > 0 && tokens[0].endsWith(":")) {
			// The cluster name, when the server has one ("15/main:").
			title = title.substring(tokens[0].length()).trim();
			tokens = title.split("\\s+");
		}
		Matcher parallel = PARALLEL_WORKER.matcher(title);
		if (parallel.find()) {
			String leader = leaderTitle.title(Long.parseLong(parallel.group(1)));
			return (leader != null && !leader.contains("parallel worker")) ? databaseOfProcess(leader, leaderTitle)
					: null;
		}
		if (tokens.length >= 2 && tokens[0].equals("autovacuum") && tokens[1].equals("worker")) {
			return (tokens.length >= 3) ? tokens[2] : null;
		}
		if (tokens.length >= 3 && HOST.matcher(tokens[2]).matches()) {
			// A client backend: user, database, host(port), activity.
			return tokens[1];
		}
		return "";
	}

	/**
	 * Reads the CPU time of every process counted now.
	 * @return the sample
	 */
	Sample sample() {
		Map<Long, Long> nanos = new HashMap<>();
		int backends = 0;
		for (long pid : ProcStat.pids()) {
			if (!"postgres".equals(ProcStat.command(pid))) {
				continue;
			}
			String commandLine = ProcStat.commandLine(pid);
			String database = (commandLine != null) ? databaseOfProcess(commandLine, ProcStat::commandLine) : null;
			if (database == null || !(database.isEmpty() || database.equals(this.database))) {
				continue;
			}
			OptionalLong cpu = ProcStat.cpuNanos(pid);
			if (cpu.isPresent()) {
				nanos.put(pid, cpu.getAsLong());
				backends += database.isEmpty() ? 0 : 1;
			}
		}
		return new Sample(nanos, backends);
	}

	/**
	 * Looks up the command line of a process.
	 */
	@FunctionalInterface
	interface TitleLookup {

		/**
		 * Returns the command line of a process.
		 * @param pid the process
		 * @return its command line, or {@code null} if it is gone
		 */
		@Nullable String title(long pid);

	}

	/**
	 * The CPU time of the counted processes at one moment.
	 *
	 * @param nanos CPU time by process id
	 * @param backends how many of them work for the benchmark's database
	 */
	record Sample(Map<Long, Long> nanos, int backends) {

		/**
		 * Returns the CPU time used from an earlier sample to this one: processes that
		 * started in between count from zero.
		 * @param before the earlier sample
		 * @return the CPU time in nanoseconds
		 */
		long nanosSince(Sample before) {
			long total = 0;
			for (Map.Entry<Long, Long> entry : this.nanos.entrySet()) {
				total += Math.max(0, entry.getValue() - before.nanos().getOrDefault(entry.getKey(), 0L));
			}
			return total;
		}

	}

}
