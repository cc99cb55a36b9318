package dev.backgroundjobs.benchmarks;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Results}: ratios, rows without a ratio, and notes.
 */
class ResultsTests {

	private final Results results = new Results(List.of("ours", "peer"), "ours");

	@Test
	void ratioOfACostIsThePeersDividedByOurs() {
		this.results.add("CPU ms per run", false, "ours", 2);
		this.results.add("CPU ms per run", false, "peer", 4);
		assertThat(this.results.toMarkdown()).contains("| CPU ms per run | 2.00 | 4.00 | 2.00x |");
	}

	@Test
	void unrankedRowHasNoRatio() {
		this.results.addUnranked("CPU ms per run, broker", "ours", 2);
		this.results.addUnranked("CPU ms per run, broker", "peer", 0.1);
		assertThat(this.results.toMarkdown()).contains("| CPU ms per run, broker | 2.00 | 0.10 | n/a |");
	}

	@Test
	void zeroCostHasNoRatio() {
		this.results.add("CPU ms per run, PostgreSQL", false, "ours", 0);
		this.results.add("CPU ms per run, PostgreSQL", false, "peer", 0);
		assertThat(this.results.toMarkdown()).contains("| CPU ms per run, PostgreSQL | 0.00 | 0.00 | n/a |");
	}

	@Test
	void notesArePrintedOnceBelowTheTables() {
		this.results.add("runs/s", true, "ours", 1);
		this.results.note("PostgreSQL was not measured");
		this.results.note("PostgreSQL was not measured");
		String markdown = this.results.toMarkdown();
		assertThat(markdown).endsWith("Notes:\n\n- PostgreSQL was not measured\n");
	}

}
