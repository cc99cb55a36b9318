package dev.backgroundjobs.faults;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from the test classpath, with its output in {@code target/fault-logs}.
 * Public, and packaged in this module's test jar, so that the benchmarks module starts
 * its processes the same way.
 */
public final class JavaProcess {

	/**
	 * Where each process's output and classpath file are written.
	 */
	public static final Path LOGS = Path.of("target", "fault-logs");

	private final Process process;

	private final String name;

	private JavaProcess(Process process, String name) {
		this.process = process;
		this.name = name;
	}

	/**
	 * Starts {@code java -cp <test classpath> <mainClass> <args>}.
	 * @param name names the log file
	 * @param jvmArgs options of the JVM
	 * @param mainClass the main class
	 * @param args the program arguments
	 * @return the process
	 */
	public static JavaProcess start(String name, List<String> jvmArgs, String mainClass, List<String> args) {
		try {
			Files.createDirectories(LOGS);
			Path argFile = LOGS.resolve(name + ".classpath");
			Files.writeString(argFile, "-cp \"" + classpath().replace("\\", "\\\\") + "\"\n");
			List<String> command = new ArrayList<>();
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.addAll(jvmArgs);
			command.add("@" + argFile);
			command.add(mainClass);
			command.addAll(args);
			File log = LOGS.resolve(name + ".log").toFile();
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.to(log))
				.start();
			return new JavaProcess(process, name);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + name, ex);
		}
	}

	private static String classpath() {
		String surefire = System.getProperty("surefire.test.class.path");
		return (surefire != null && !surefire.isBlank()) ? surefire : System.getProperty("java.class.path");
	}

	/**
	 * Returns whether the process's log holds a text.
	 * @param text the text
	 * @return whether it does
	 */
	public boolean logContains(String text) {
		try {
			return new String(Files.readAllBytes(LOGS.resolve(this.name + ".log")), StandardCharsets.ISO_8859_1)
				.contains(text);
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Returns the name the process was started with.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Returns whether the process is running.
	 * @return whether it is
	 */
	public boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Returns the operating system's id of the process.
	 * @return the pid
	 */
	public long pid() {
		return this.process.pid();
	}

	/**
	 * Kills the process at once, as {@code kill -9} does.
	 */
	public void kill() {
		this.process.destroyForcibly();
		waitFor(30);
	}

	/**
	 * Asks the process to stop (SIGTERM) and waits for it, killing it after the timeout.
	 * @param seconds how long to wait
	 */
	public void stop(int seconds) {
		this.process.destroy();
		if (!waitFor(seconds)) {
			kill();
		}
	}

	/**
	 * Waits for the process to end.
	 * @param seconds how long to wait
	 * @return whether it ended
	 */
	public boolean waitFor(int seconds) {
		try {
			return this.process.waitFor(seconds, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Returns the exit value of the ended process.
	 * @return the exit value
	 */
	public int exitValue() {
		return this.process.exitValue();
	}

}
