package dev.backgroundjobs.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@link InvariantChecker} found.
 *
 * @param events the accepted events
 * @param lost accepted events without their run, or with a run that ended wrongly
 * @param duplicates step executions beyond the crash window
 * @param stuck runs left unfinished
 * @param timing cron ticks, sleeps or waits that went off at the wrong time
 * @param examples a few of the problems, described
 */
record Verdict(int events, long lost, long duplicates, long stuck, long timing, List<String> examples) {

	boolean isClean() {
		return this.lost == 0 && this.duplicates == 0 && this.stuck == 0 && this.timing == 0;
	}

	/**
	 * Collects problems.
	 */
	static final class Builder {

		private static final int EXAMPLES_PER_KIND = 5;

		private final int events;

		private final List<String> examples = new ArrayList<>();

		private final Map<String, Integer> perKind = new HashMap<>();

		private long lost;

		private long duplicates;

		private long stuck;

		private long timing;

		Builder(int events) {
			this.events = events;
		}

		void lost(String example) {
			this.lost++;
			example("lost: " + example);
		}

		void duplicate(long count, String example) {
			this.duplicates += count;
			example("duplicate: " + example);
		}

		void stuck(String example) {
			this.stuck++;
			example("stuck: " + example);
		}

		void timing(String example) {
			this.timing++;
			example("timing: " + example);
		}

		private void example(String example) {
			String kind = example.substring(0, example.indexOf(':'));
			if (this.perKind.merge(kind, 1, Integer::sum) <= EXAMPLES_PER_KIND) {
				this.examples.add(example);
			}
		}

		Verdict build() {
			return new Verdict(this.events, this.lost, this.duplicates, this.stuck, this.timing,
					List.copyOf(this.examples));
		}

	}

}
