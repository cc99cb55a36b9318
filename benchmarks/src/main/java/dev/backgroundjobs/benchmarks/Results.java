package dev.backgroundjobs.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The figures of every repetition, rendered as Markdown tables of median and range.
 */
public final class Results {

	private final Map<String, Metric> metrics = new LinkedHashMap<>();

	private final Set<String> notes = new LinkedHashSet<>();

	private final List<String> systems;

	private final String baseline;

	/**
	 * Creates empty results.
	 * @param systems the compared systems, in column order
	 * @param baseline the system the ratio is computed for
	 */
	public Results(List<String> systems, String baseline) {
		this.systems = List.copyOf(systems);
		this.baseline = baseline;
	}

	/**
	 * Records one figure.
	 * @param metric the metric, for example {@code "W2 runs/s"}
	 * @param higherIsBetter whether a higher value is better
	 * @param system the system
	 * @param value the value
	 */
	public synchronized void add(String metric, boolean higherIsBetter, String system, double value) {
		this.metrics.computeIfAbsent(metric, (name) -> new Metric(true, higherIsBetter))
			.values()
			.computeIfAbsent(system, (name) -> new ArrayList<>())
			.add(value);
	}

	/**
	 * Records one figure of a metric that has no ratio, because it is not a cost of the
	 * system in the column (the in-JVM broker's CPU time while a peer that does not use
	 * it runs, for example).
	 * @param metric the metric
	 * @param system the system
	 * @param value the value
	 */
	public synchronized void addUnranked(String metric, String system, double value) {
		this.metrics.computeIfAbsent(metric, (name) -> new Metric(false, false))
			.values()
			.computeIfAbsent(system, (name) -> new ArrayList<>())
			.add(value);
	}

	/**
	 * Records a note printed below the tables, such as a figure that could not be
	 * measured on this machine. The same note is printed once.
	 * @param note the note
	 */
	public synchronized void note(String note) {
		this.notes.add(note);
	}

	/**
	 * Returns the median of a metric for a system.
	 * @param metric the metric
	 * @param system the system
	 * @return the median, or {@code NaN} when nothing was recorded
	 */
	public synchronized double median(String metric, String system) {
		Metric found = this.metrics.get(metric);
		List<Double> values = (found != null) ? found.values().get(system) : null;
		return (values != null) ? median(values) : Double.NaN;
	}

	/**
	 * Returns whether every metric has at least one finite value.
	 * @return whether all figures are numbers
	 */
	public synchronized boolean isComplete() {
		return !this.metrics.isEmpty() && this.metrics.values()
			.stream()
			.flatMap((metric) -> metric.values().values().stream())
			.flatMap(List::stream)
			.allMatch(Double::isFinite);
	}

	/**
	 * Renders the comparison table and, below it, the figures measured for one system
	 * only.
	 * @return the Markdown
	 */
	public synchronized String toMarkdown() {
		StringBuilder out = new StringBuilder();
		out.append("| Workload | ").append(String.join(" | ", this.systems)).append(" | ratio vs best peer |\n");
		out.append("|---|").append("---:|".repeat(this.systems.size())).append("---:|\n");
		List<String> single = new ArrayList<>();
		this.metrics.forEach((name, metric) -> {
			if (metric.values().size() == 1) {
				single.add(name);
				return;
			}
			out.append("| ").append(name).append(" |");
			for (String system : this.systems) {
				List<Double> values = metric.values().get(system);
				out.append(' ').append((values != null) ? summary(values) : "n/a").append(" |");
			}
			out.append(' ').append(ratio(metric)).append(" |\n");
		});
		if (!single.isEmpty()) {
			out.append("\n| Measured for one system only | system | median (range) |\n|---|---|---:|\n");
			for (String name : single) {
				this.metrics.get(name)
					.values()
					.forEach((system, values) -> out.append("| ")
						.append(name)
						.append(" | ")
						.append(system)
						.append(" | ")
						.append(summary(values))
						.append(" |\n"));
			}
		}
		if (!this.notes.isEmpty()) {
			out.append("\nNotes:\n\n");
			this.notes.forEach((note) -> out.append("- ").append(note).append('\n'));
		}
		return out.toString();
	}

	private String ratio(Metric metric) {
		List<Double> ours = metric.values().get(this.baseline);
		if (!metric.ranked()) {
			return "n/a";
		}
		double best = Double.NaN;
		for (Map.Entry<String, List<Double>> entry : metric.values().entrySet()) {
			if (!entry.getKey().equals(this.baseline)) {
				double median = median(entry.getValue());
				if (Double.isNaN(best) || (metric.higherIsBetter() ? median > best : median < best)) {
					best = median;
				}
			}
		}
		if (ours == null || Double.isNaN(best)) {
			return "n/a";
		}
		double ratio = metric.higherIsBetter() ? median(ours) / best : best / median(ours);
		if (!Double.isFinite(ratio)) {
			// A zero on a line of costs: too small to have been measured.
			return "n/a";
		}
		return String.format(Locale.ROOT, "%.2fx", ratio);
	}

	private static String summary(List<Double> values) {
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		if (sorted.length == 1) {
			return format(sorted[0]);
		}
		return format(median(values)) + " (" + format(sorted[0]) + "–" + format(sorted[sorted.length - 1]) + ")";
	}

	static double median(List<Double> values) {
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	static String format(double value) {
		if (Math.abs(value) >= 100) {
			return String.format(Locale.ROOT, "%,.0f", value);
		}
		if (Math.abs(value) >= 10) {
			return String.format(Locale.ROOT, "%.1f", value);
		}
		return String.format(Locale.ROOT, "%.2f", value);
	}

	/**
	 * Returns a percentile of latencies, in milliseconds.
	 * @param nanos the latencies in nanoseconds
	 * @param percentile the percentile, {@code 100} for the maximum
	 * @return the percentile in milliseconds
	 */
	public static double percentileMillis(long[] nanos, double percentile) {
		if (nanos.length == 0) {
			return Double.NaN;
		}
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		int index = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1_000_000.0;
	}

	private record Metric(boolean ranked, boolean higherIsBetter, Map<String, List<Double>> values) {

		Metric(boolean ranked, boolean higherIsBetter) {
			this(ranked, higherIsBetter, new LinkedHashMap<>());
		}

	}

}
