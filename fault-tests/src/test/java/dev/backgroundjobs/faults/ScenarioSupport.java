package dev.backgroundjobs.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster the scenarios share, and what they do alike: start apps, send load in the
 * background, check health around an outage and report their row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ScenarioSupport {

	/**
	 * The event names sent, in turn: mostly three-step runs, with sleeps, waits and
	 * invokes.
	 */
	static final List<String> MIX = List.of("fault/order", "fault/order", "fault/order", "fault/order", "fault/nap",
			"fault/order", "fault/review", "fault/order", "fault/call", "fault/order");

	private static final Duration HEALTH_UP_WITHIN = Duration.ofSeconds(10);

	final FaultSize size = FaultSize.current();

	Cluster cluster;

	HealthMonitor health;

	private AppSettings appSettings;

	@BeforeAll
	void startCluster() {
		this.cluster = new Cluster(FaultDatabase.POSTGRESQL);
		this.cluster.broker().start();
		this.health = new HealthMonitor(this.cluster);
	}

	@AfterAll
	void stopCluster() {
		if (this.health != null) {
			this.health.close();
		}
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	/**
	 * Makes sure {@code count} apps run with the given settings, restarting them if not.
	 * @param count how many apps
	 * @param settings their settings
	 */
	void apps(int count, AppSettings settings) {
		if (settings.equals(this.appSettings) && this.cluster.apps().size() == count) {
			return;
		}
		this.cluster.reset();
		this.cluster.startApps(count, settings);
		this.appSettings = settings;
	}

	/**
	 * Forgets the settings of the running apps, so the next {@link #apps} restarts them
	 * on a {@link Cluster#reset() reset} cluster.
	 */
	void appsChanged() {
		this.appSettings = null;
	}

	/**
	 * Stops every app and {@link Cluster#reset() resets} the cluster, for scenarios that
	 * start their apps themselves.
	 */
	void fresh() {
		this.cluster.reset();
		this.appSettings = null;
	}

	CompletableFuture<Void> sendInBackground(LoadDriver load, int events, double perSecond) {
		return CompletableFuture.runAsync(() -> load.send(MIX, events, perSecond, 5, 4));
	}

	Duration settleTimeout() {
		return Duration.ofSeconds(this.size.pick(90, 600));
	}

	/**
	 * Checks that every app reported DOWN during an outage and UP within 10 s after it.
	 * @param from when the outage began
	 * @param to when it ended
	 * @param problems where to add what went wrong
	 * @return how long after the outage the slowest app was UP
	 */
	String checkHealth(long from, long to, List<String> problems) {
		this.health.neverDownDuring(from, to)
			.forEach((instance) -> problems.add("health: " + instance + " never reported DOWN during the outage"));
		List<String> instances = this.cluster.apps().stream().map(AppProcess::instanceId).toList();
		long deadline = System.currentTimeMillis() + 60_000;
		Optional<Long> up = this.health.upAfter(to, instances);
		while (up.isEmpty() && System.currentTimeMillis() < deadline) {
			sleep(500);
			up = this.health.upAfter(to, instances);
		}
		if (up.isEmpty() || up.get() > HEALTH_UP_WITHIN.toMillis()) {
			problems.add("health: not UP within " + HEALTH_UP_WITHIN.toSeconds() + " s after the outage ("
					+ up.map((millis) -> millis / 1000.0 + " s").orElse("not UP after 60 s") + ")");
		}
		return "health UP " + up.map((millis) -> millis / 1000.0 + " s").orElse("never") + " after";
	}

	void report(String scenario, String faults, Verdict verdict, String recovery, String notes, List<String> problems) {
		List<String> all = new ArrayList<>(verdict.examples());
		all.addAll(problems);
		String extra = problems.isEmpty() ? "" : "; " + problems.stream().collect(Collectors.joining("; "));
		if (!all.isEmpty() || !verdict.isClean()) {
			// Apps that went wrong may stay wrong: the next scenario starts fresh ones.
			appsChanged();
		}
		Results.append(new Results.Row(scenario, this.cluster.database().name().toLowerCase(), faults, verdict,
				recovery, notes + extra, all));
		assertThat(all).as(scenario).isEmpty();
		assertThat(verdict.isClean()).as(scenario).isTrue();
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
