package dev.backgroundjobs.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes one row per scenario to {@code target/faults/results.md}.
 */
final class Results {

	static final Path FILE = Path.of("target", "faults", "results.md");

	static final Path DETAILS = Path.of("target", "faults", "details.md");

	private static final String HEADER = """
			| scenario | database | events | faults injected | lost | duplicate executions beyond the window | stuck | wrong timing | time to recover | notes |
			|---|---|---|---|---|---|---|---|---|---|
			""";

	private static boolean started;

	private Results() {
	}

	/**
	 * Appends a row, starting the file anew on the first row of this JVM.
	 * @param row the row
	 */
	static synchronized void append(Row row) {
		try {
			Files.createDirectories(FILE.getParent());
			if (!started) {
				Files.writeString(FILE, "Size: " + FaultSize.current().name().toLowerCase() + "\n\n" + HEADER);
				Files.writeString(DETAILS, "# Problems found, by scenario\n");
				started = true;
			}
			Verdict verdict = row.verdict();
			String line = String.join(" | ", "| " + row.scenario(), row.database(), String.valueOf(verdict.events()),
					row.faults(), String.valueOf(verdict.lost()), String.valueOf(verdict.duplicates()),
					String.valueOf(verdict.stuck()), String.valueOf(verdict.timing()), row.recovery(),
					row.notes() + " |\n");
			Files.writeString(FILE, line, StandardOpenOption.APPEND);
			StringBuilder details = new StringBuilder("\n## " + row.scenario() + "\n\n");
			row.problems().forEach((problem) -> details.append("- ").append(problem).append('\n'));
			Files.writeString(DETAILS, details, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * One scenario's row.
	 *
	 * @param scenario the scenario
	 * @param database the database
	 * @param faults the faults injected
	 * @param verdict what the checker found
	 * @param recovery the time to recover
	 * @param notes anything else measured
	 * @param problems examples of what went wrong
	 */
	record Row(String scenario, String database, String faults, Verdict verdict, String recovery, String notes,
			List<String> problems) {

	}

}
