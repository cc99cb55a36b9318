package dev.backgroundjobs.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

import com.sun.management.OperatingSystemMXBean;

/**
 * Runs the benchmark and writes its table, with the machine it ran on, to a Markdown
 * file.
 * <p>
 * Arguments: {@code --repeat=N} (default 3), {@code --smoke} (tiny counts, one
 * repetition), {@code --systems=background-jobs,JobRunr,db-scheduler,DBOS},
 * {@code --shapes=in-jvm,processes} (default both), {@code --workloads=W2,W4} (the
 * workloads of the in-JVM shape to run, default all) and {@code --output=PATH} (default
 * {@code target/bench-results.md}). System properties {@code bench.jdbc.url},
 * {@code bench.jdbc.username} and {@code bench.jdbc.password} choose the database.
 */
public final class BenchmarkMain {

	private BenchmarkMain() {
	}

	/**
	 * Runs the benchmark.
	 * @param args the arguments
	 * @throws IOException if the results cannot be written
	 */
	public static void main(String[] args) throws IOException {
		int repeat = 3;
		boolean smoke = false;
		Set<String> systems = new HashSet<>(Benchmark.SYSTEMS);
		Set<Benchmark.Shape> shapes = EnumSet.allOf(Benchmark.Shape.class);
		Path output = Path.of("target", "bench-results.md");
		Set<String> workloads = Set.of();
		for (String arg : args) {
			if (arg.equals("--smoke")) {
				smoke = true;
			}
			else if (arg.startsWith("--repeat=")) {
				repeat = Integer.parseInt(arg.substring("--repeat=".length()));
			}
			else if (arg.startsWith("--systems=")) {
				systems = new HashSet<>(Arrays.asList(arg.substring("--systems=".length()).split(",")));
			}
			else if (arg.startsWith("--shapes=")) {
				shapes = EnumSet.noneOf(Benchmark.Shape.class);
				for (String shape : arg.substring("--shapes=".length()).split(",")) {
					shapes.add(Benchmark.Shape.of(shape));
				}
			}
			else if (arg.startsWith("--workloads=")) {
				workloads = new HashSet<>(Arrays.asList(arg.substring("--workloads=".length()).split(",")));
			}
			else if (arg.startsWith("--output=")) {
				output = Path.of(arg.substring("--output=".length()));
			}
			else if (!arg.isBlank()) {
				throw new IllegalArgumentException("Unknown argument '" + arg + "'");
			}
		}
		BenchmarkSettings settings = smoke ? BenchmarkSettings.smoke() : BenchmarkSettings.full(repeat);
		Benchmark benchmark = new Benchmark(settings, systems, shapes).onlyWorkloads(workloads);
		Results results;
		try (Infrastructure infrastructure = new Infrastructure(
				System.getProperty("bench.jdbc.url", Infrastructure.DEFAULT_URL),
				System.getProperty("bench.jdbc.username", "postgres"), System.getProperty("bench.jdbc.password", ""))) {
			results = benchmark.run(infrastructure);
		}
		String report = machine() + "\n" + results.toMarkdown() + failures(benchmark);
		Files.createDirectories(output.toAbsolutePath().getParent());
		Files.writeString(output, report);
		System.out.println(report);
		System.out.println("Written to " + output.toAbsolutePath());
		System.exit(0);
	}

	private static String machine() {
		OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		return "Run " + Instant.now() + " on " + Runtime.getRuntime().availableProcessors() + " cores, "
				+ (os.getTotalMemorySize() >> 20) + " MiB memory, " + System.getProperty("java.vm.name") + " "
				+ System.getProperty("java.runtime.version") + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20)
				+ " MiB.\n";
	}

	private static String failures(Benchmark benchmark) {
		if (benchmark.failures().isEmpty()) {
			return "";
		}
		StringBuilder out = new StringBuilder("\nNot measured:\n\n");
		benchmark.failures().forEach((failure) -> out.append("- ").append(failure).append('\n'));
		return out.toString();
	}

}
