package dev.backgroundjobs.faults;

import java.util.ArrayList;
import java.util.List;

/**
 * What the {@link InvariantChecker} found.
 *
 * @param events the accepted events
 * @param lost accepted events without their run, or with a run that ended wrongly
 * @param duplicates step executions beyond the crash window
 * @param stuck runs left unfinished
 * @param cron cron ticks that ran early
 * @param examples a few of the problems, described
 */
record Verdict(int events, long lost, long duplicates, long stuck, long cron, List<String> examples) {

	boolean isClean() {
		return this.lost == 0 && this.duplicates == 0 && this.stuck == 0 && this.cron == 0;
	}

	/**
	 * Collects problems.
	 */
	static final class Builder {

		private static final int EXAMPLES = 15;

		private final int events;

		private final List<String> examples = new ArrayList<>();

		private long lost;

		private long duplicates;

		private long stuck;

		private long cron;

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

		void cron(String example) {
			this.cron++;
			example("cron: " + example);
		}

		private void example(String example) {
			if (this.examples.size() < EXAMPLES) {
				this.examples.add(example);
			}
		}

		Verdict build() {
			return new Verdict(this.events, this.lost, this.duplicates, this.stuck, this.cron,
					List.copyOf(this.examples));
		}

	}

}
