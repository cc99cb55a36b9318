package dev.backgroundjobs.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Reads the CPU time of any process from Linux's {@code /proc/<pid>/stat}: user plus
 * system time ({@code utime + stime}), in clock ticks, turned into nanoseconds.
 */
final class ProcStat {

	private static final Path PROC = Path.of("/proc");

	private static final long TICKS_PER_SECOND = clockTicksPerSecond();

	private ProcStat() {
	}

	/**
	 * Returns whether {@code /proc} can be read on this machine.
	 * @return whether it can
	 */
	static boolean available() {
		return Files.isReadable(PROC.resolve("self").resolve("stat"));
	}

	/**
	 * Returns the CPU time a process has used so far, its threads that ended included.
	 * @param pid the process
	 * @return the CPU time in nanoseconds, empty if the process is gone or unreadable
	 */
	static OptionalLong cpuNanos(long pid) {
		String stat = read(PROC.resolve(Long.toString(pid)).resolve("stat"));
		if (stat == null) {
			return OptionalLong.empty();
		}
		// The command name (field 2) is in parentheses and may hold spaces: the fields
		// after the last ')' start with field 3 (state); utime and stime are 14 and 15.
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
		if (fields.length < 13) {
			return OptionalLong.empty();
		}
		long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		return OptionalLong.of(ticks * TimeUnit.SECONDS.toNanos(1) / TICKS_PER_SECOND);
	}

	/**
	 * Returns the short command name of a process ({@code /proc/<pid>/comm}).
	 * @param pid the process
	 * @return the name, or {@code null} if the process is gone
	 */
	static @Nullable String command(long pid) {
		String comm = read(PROC.resolve(Long.toString(pid)).resolve("comm"));
		return (comm != null) ? comm.trim() : null;
	}

	/**
	 * Returns a process's command line with its arguments separated by spaces; for a
	 * PostgreSQL server process, the title it sets, such as
	 * {@code postgres: 15/main: postgres test 127.0.0.1(5432) idle}.
	 * @param pid the process
	 * @return the command line, or {@code null} if the process is gone
	 */
	static @Nullable String commandLine(long pid) {
		String line = read(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
		return (line != null) ? line.replace('\0', ' ').trim() : null;
	}

	/**
	 * Returns the ids of every process visible in {@code /proc}.
	 * @return the pids
	 */
	static long[] pids() {
		String[] names = PROC.toFile().list();
		if (names == null) {
			return new long[0];
		}
		return Arrays.stream(names)
			.filter((name) -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
			.mapToLong(Long::parseLong)
			.toArray();
	}

	private static @Nullable String read(Path file) {
		try {
			return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
		}
		catch (IOException ex) {
			return null;
		}
	}

	private static long clockTicksPerSecond() {
		try {
			Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
			String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
			if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
				return Long.parseLong(out);
			}
		}
		catch (IOException | NumberFormatException ex) {
			// The value of every Linux distribution in use.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return 100;
	}

}
