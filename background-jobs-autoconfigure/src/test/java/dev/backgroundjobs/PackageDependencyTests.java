package dev.backgroundjobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the architecture's dependencies pointing one way: the engine and handler
 * discovery know nothing of Kafka or JDBC, and the store SPI nothing of SQL.
 */
class PackageDependencyTests {

	private static final Path SOURCES = Path.of("src/main/java/dev/backgroundjobs");

	@ParameterizedTest
	@ValueSource(strings = { "engine", "function", "store", "json", "outbox" })
	void packageDoesNotImportKafkaOrJdbc(String packageName) throws IOException {
		List<String> offending;
		try (Stream<Path> files = Files.walk(SOURCES.resolve(packageName))) {
			offending = files.filter((file) -> file.toString().endsWith(".java")).flatMap((file) -> {
				try {
					return Files.readAllLines(file)
						.stream()
						.filter((line) -> line.startsWith("import "))
						.filter((line) -> line.contains("org.apache.kafka")
								|| line.contains("org.springframework.kafka") || line.contains("java.sql")
								|| line.contains("org.springframework.jdbc")
								|| line.contains("dev.backgroundjobs.kafka")
								|| line.contains("dev.backgroundjobs.jdbc"))
						.map((line) -> file.getFileName() + ": " + line);
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}).toList();
		}
		assertThat(offending).isEmpty();
	}

}
