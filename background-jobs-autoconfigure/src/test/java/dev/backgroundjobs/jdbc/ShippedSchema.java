package dev.backgroundjobs.jdbc;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The schema versions this release ships, read from its scripts, so that the migration
 * tests expect every shipped version without listing them: versions are assigned to
 * features apart and need not be contiguous.
 */
final class ShippedSchema {

	private ShippedSchema() {
	}

	/**
	 * Returns the shipped versions, in order, checking that every vendor ships the same.
	 * @return the versions
	 */
	static List<Integer> versions() {
		List<Integer> versions = versionsOf("postgresql");
		for (String vendor : List.of("h2", "mariadb", "mysql")) {
			assertThat(versionsOf(vendor)).as("schema versions of " + vendor).isEqualTo(versions);
		}
		return versions;
	}

	/**
	 * Returns the shipped versions as {@code <version>:<kind>} rows of
	 * {@code bj_schema_version}.
	 * @param firstKind the kind of the first version ({@code SQL} or {@code BASELINE})
	 * @return the rows
	 */
	static List<String> rows(String firstKind) {
		return versions().stream().map((version) -> version + ":" + ((version == 1) ? firstKind : "SQL")).toList();
	}

	/**
	 * Returns the newest shipped version.
	 * @return the version
	 */
	static int newest() {
		List<Integer> versions = versions();
		return versions.get(versions.size() - 1);
	}

	private static List<Integer> versionsOf(String vendor) {
		return SchemaScript.load(SchemaMigrator.DEFAULT_LOCATION.formatted(vendor))
			.stream()
			.map(SchemaScript::version)
			.toList();
	}

}
