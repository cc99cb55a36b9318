package dev.backgroundjobs.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault-injection scenarios F0 to F10 of issue 9, run against app processes, a broker
 * process and PostgreSQL behind a fault proxy. The size comes from {@code -Dfaults.size};
 * each scenario appends its row to {@code target/faults/results.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIntegrationTests {

	private static final List<String> MIX = List.of("fault/order", "fault/order", "fault/order", "fault/order",
			"fault/nap", "fault/order", "fault/review", "fault/order", "fault/call", "fault/order");

	private final FaultSize size = FaultSize.current();

	private Cluster cluster;

	private HealthMonitor health;

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

	@Test
	@Order(0)
	void f0BaselineThreeAppsShareTheLoadWithoutLosingOrRepeatingWork() {
		apps(3, AppSettings.defaults());
		int events = this.size.pick(300, 10_000);
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		load.send(MIX, events, 0, 10, 6);
		InvariantChecker checker = new InvariantChecker(this.cluster, since);
		Verdict verdict = checker.check(load.accepted().values(), Set.of(), settleTimeout());
		Snapshot snapshot = checker.lastSnapshot();
		String notes = String.format("%.0f three-step runs/s; pickup %s; send %s",
				Measures.runsPerSecond(snapshot, "three-steps"),
				Measures.percentiles(Measures.pickupMillis(snapshot, "three-steps", null), " ms"),
				Measures.percentiles(load.sendMicros().stream().map((micros) -> micros / 1000).toList(), " ms"));
		report("F0 baseline, 3 apps", "none", verdict, "n/a", notes);
	}

	private void apps(int count, AppSettings settings) {
		if (settings.equals(this.appSettings) && this.cluster.apps().size() == count) {
			return;
		}
		this.cluster.stopApps();
		this.cluster.startApps(count, settings);
		this.appSettings = settings;
	}

	private Duration settleTimeout() {
		return Duration.ofSeconds(this.size.pick(120, 600));
	}

	private void report(String scenario, String faults, Verdict verdict, String recovery, String notes) {
		Results.append(new Results.Row(scenario, this.cluster.database().name().toLowerCase(), faults, verdict,
				recovery, notes));
		assertThat(verdict.examples()).as(scenario).isEmpty();
		assertThat(verdict.isClean()).as(scenario).isTrue();
	}

}
