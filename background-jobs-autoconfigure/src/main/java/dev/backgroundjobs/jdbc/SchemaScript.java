package dev.backgroundjobs.jdbc;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.util.Assert;
import org.springframework.util.FileCopyUtils;

/**
 * A versioned schema script, named as Flyway names its migrations:
 * {@code V<version>__<description>.sql}.
 *
 * @param version the version
 * @param description the description, from the file name
 * @param name the file name
 * @param resource the file
 * @param checksum the CRC-32 of its text, with line endings made {@code \n}
 */
record SchemaScript(int version, String description, String name, Resource resource, long checksum) {

	private static final Pattern NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");

	/**
	 * Returns the scripts of a location, in version order.
	 * @param location the folder of the scripts
	 * @return the scripts
	 * @throws IllegalStateException if there is none, or two of one version
	 */
	static List<SchemaScript> load(String location) {
		try {
			Resource[] resources = new PathMatchingResourcePatternResolver().getResources(location + "/V*__*.sql");
			Map<Integer, SchemaScript> scripts = new LinkedHashMap<>();
			for (Resource resource : resources) {
				String name = resource.getFilename();
				Matcher matcher = NAME.matcher((name != null) ? name : "");
				if (!matcher.matches()) {
					continue;
				}
				int version = Integer.parseInt(matcher.group(1));
				SchemaScript script = new SchemaScript(version, matcher.group(2).replace('_', ' '), name, resource,
						checksum(resource));
				Assert.state(scripts.put(version, script) == null,
						() -> "Two scripts of version " + version + " in " + location);
			}
			Assert.state(!scripts.isEmpty(), () -> "No background-jobs schema scripts in " + location);
			return scripts.values().stream().sorted(Comparator.comparingInt(SchemaScript::version)).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read the background-jobs schema scripts in " + location, ex);
		}
	}

	private static long checksum(Resource resource) throws IOException {
		String text = FileCopyUtils
			.copyToString(new InputStreamReader(resource.getInputStream(), StandardCharsets.UTF_8));
		CRC32 crc = new CRC32();
		crc.update(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
		return crc.getValue();
	}

}
