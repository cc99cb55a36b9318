package dev.backgroundjobs.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fault-injection scenarios F0 to F13, against app processes, a broker process and
 * PostgreSQL behind a fault proxy. Scenarios that need the same apps share them, so the
 * order matters. The size comes from {@code -Dfaults.size}; each scenario appends its row
 * to {@code target/faults/results.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIntegrationTests extends ScenarioSupport {

	@Test
	@Order(0)
	void f0BaselineThreeAppsShareTheLoadWithoutLosingOrRepeatingWork() {
		apps(3, AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		load.send(MIX, Integer.getInteger("faults.f0.events", this.size.pick(300, 10_000)), 0, 5,
				Integer.getInteger("faults.f0.senders", 24));
		InvariantChecker checker = new InvariantChecker(this.cluster, since);
		Verdict verdict = checker.check(load.accepted().values(), Map.of(), settleTimeout());
		Snapshot snapshot = checker.lastSnapshot();
		String notes = String.format("%.0f three-step runs/s; pickup %s; send %s",
				Measures.runsPerSecond(snapshot, "three-steps"),
				Measures.percentiles(Measures.pickupMillis(snapshot, "three-steps", null), " ms"),
				Measures.percentiles(load.sendMicros().stream().map((micros) -> micros / 1000).toList(), " ms"));
		report("F0 baseline, 3 apps", "none", verdict, "n/a", notes, List.of());
	}

	@Test
	@Order(1)
	void f1KillingARandomAppEvery15SecondsUnderLoadLosesNothing() {
		apps(3, AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		CompletableFuture<Void> sending = sendInBackground(load, this.size.pick(300, 10_000), this.size.pick(7, 40));
		RecoveryProbe probe = new RecoveryProbe(this.cluster);
		List<Long> kills = new ArrayList<>();
		List<CompletableFuture<?>> restarts = new ArrayList<>();
		while (!sending.isDone()) {
			sleep(15_000);
			if (sending.isDone() || this.cluster.apps().size() < 2) {
				continue;
			}
			AppProcess victim = this.cluster.randomApp();
			long at = System.currentTimeMillis();
			this.cluster.kill(victim);
			probe.killed(victim.instanceId(), at);
			kills.add(at);
			restarts.add(CompletableFuture.runAsync(() -> this.cluster.startApp(AppSettings.defaults())));
		}
		sending.join();
		restarts.forEach(CompletableFuture::join);
		InvariantChecker checker = new InvariantChecker(this.cluster, since);
		Verdict verdict = checker.check(load.accepted().values(), Map.of(), settleTimeout());
		List<String> afterKills = load.accepted()
			.values()
			.stream()
			.filter((event) -> kills.stream()
				.anyMatch((kill) -> event.atMillis() >= kill && event.atMillis() < kill + 20_000))
			.map(LoadDriver.Accepted::eventId)
			.toList();
		long pickup = Measures.max(Measures.pickupMillis(checker.lastSnapshot(), "three-steps", afterKills));
		report("F1 kill -9 every 15 s", kills.size() + " kill -9 of an app", verdict,
				probe.describe() + "; events sent after a kill picked up within " + pickup / 1000.0 + " s", "",
				List.of());
	}

	@Test
	@Order(2)
	void f3DatabaseRefusingConnectionsStopsNothingForGood() {
		databaseOutage("F3 database refuses connections", "refused + open connections reset", () -> {
			this.cluster.proxy().refuse();
			this.cluster.proxy().resetAll();
		});
	}

	@Test
	@Order(3)
	void f4BlackHoledDatabaseStopsNothingForGood() {
		databaseOutage("F4 database black-holed", "black hole", () -> this.cluster.proxy().blackHole());
	}

	private void databaseOutage(String scenario, String fault, Runnable cut) {
		apps(3, AppSettings.defaults());
		int outage = this.size.pick(15, 30);
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		CompletableFuture<Void> sending = sendInBackground(load, this.size.pick(200, 10_000),
				this.size.pick(200, 10_000) / (outage + 20.0));
		sleep(5_000);
		long from = System.currentTimeMillis();
		cut.run();
		sleep(outage * 1000L);
		this.cluster.proxy().pass();
		long to = System.currentTimeMillis();
		List<String> problems = new ArrayList<>();
		String recovery = checkHealth(from, to, problems);
		sending.join();
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report(scenario, fault + " for " + outage + " s", verdict, recovery, "", problems);
	}

	@Test
	@Order(4)
	void f2BrokerKilledAndRestartedLosesNothingAndSendFailsWithinItsTimeout() {
		BrokerOutage outage = brokerOutageUnderLoad(Map.of());
		List<LoadDriver.Failure> failures = outage.load().failures();
		long slowest = failures.stream().mapToLong(LoadDriver.Failure::micros).max().orElse(0) / 1000;
		if (slowest > 12_000) {
			outage.problems().add("send: a failed send took " + slowest + " ms, over the 10 s send-timeout");
		}
		String notes = failures.size() + " sends failed, slowest after " + slowest + " ms"
				+ (failures.isEmpty() ? "" : ", e.g. " + failures.get(0).message().replace('|', '/'));
		report("F2 broker kill -9", "broker down " + outage.seconds() + " s", outage.verdict(), outage.recovery(),
				notes, outage.problems());
	}

	/**
	 * Kills the broker while three apps take a steady load, starts it again, and checks
	 * every accepted event once it is back.
	 * @param options request parameters of every send of the load
	 */
	private BrokerOutage brokerOutageUnderLoad(Map<String, String> options) {
		apps(3, AppSettings.defaults());
		int outage = this.size.pick(20, 60);
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster, options);
		CompletableFuture<Void> sending = sendInBackground(load, this.size.pick(200, 10_000),
				this.size.pick(200, 10_000) / (outage + 20.0));
		sleep(5_000);
		long from = System.currentTimeMillis();
		this.cluster.broker().kill();
		sleep(outage * 1000L);
		this.cluster.broker().start();
		long to = System.currentTimeMillis();
		List<String> problems = new ArrayList<>();
		String recovery = checkHealth(from, to, problems);
		sending.join();
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		return new BrokerOutage(outage, load, verdict, recovery, problems);
	}

	private record BrokerOutage(int seconds, LoadDriver load, Verdict verdict, String recovery, List<String> problems) {

	}

	@Test
	@Order(5)
	void f5ConnectionsResetInTheMiddleOfTransactionsLoseAndRepeatNothing() {
		apps(3, AppSettings.defaults());
		int seconds = this.size.pick(15, 30);
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		CompletableFuture<Void> sending = sendInBackground(load, this.size.pick(300, 10_000),
				this.size.pick(300, 10_000) / (seconds + 10.0));
		sleep(3_000);
		int resets = 0;
		for (int i = 0; i < seconds; i++) {
			resets += this.cluster.proxy().resetAll();
			sleep(1_000);
		}
		sending.join();
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report("F5 connections reset mid-transaction", resets + " connections reset over " + seconds + " s", verdict,
				"n/a", "", List.of());
	}

	@Test
	@Order(6)
	void f9BadRecordsAndValuesAreStoredOrDeadLetteredWithoutWedgingAnything() {
		apps(3, AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		Map<String, Outcome> outcomes = new HashMap<>();
		load.sendBatch("fault/fragile", 5, Map.of("text", "nul \u0000 in the payload"));
		load.sendBatch("fault/fragile", 5, Map.of("mode", "nul-message"))
			.forEach((id) -> outcomes.put(id, Outcome.FAILED));
		load.sendBatch("fault/fragile", 2, Map.of("mode", "huge-message"))
			.forEach((id) -> outcomes.put(id, Outcome.FAILED));
		load.sendBatch("fault/review", 3, Map.of("key", "key \u0000 with nul"));
		load.sendBatch("fault/order", 1, Map.of("id", "id \u0000 with nul"))
			.forEach((id) -> outcomes.put(id, Outcome.COMPLETED_OR_DEAD_LETTERED));
		load.sendBatch("fault/order", 3, Map.of("timestamp", "+300000-01-01T00:00:00Z"))
			.forEach((id) -> outcomes.put(id, Outcome.COMPLETED_OR_DEAD_LETTERED));
		var poison = PoisonRecords.send(this.cluster.broker().bootstrapServers(),
				this.cluster.topicPrefix() + ".fault.order", "poison", "{\"not json \u0000",
				Map.of("bj-event-id", "poison \u0000 id", "bj-event-name", "fault/order"));
		load.send(MIX, this.size.pick(200, 10_000), 0, 10, 4);
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), outcomes,
				settleTimeout());
		List<String> problems = new ArrayList<>();
		long poisonLetters = PoisonRecords.deadLetters(this.cluster, poison);
		if (poisonLetters != 1) {
			problems.add("poison record at " + poison + " has " + poisonLetters + " dead letters, not 1");
		}
		report("F9 bad records and values", "NUL in payload, key, event id, exception message; huge message; "
				+ "timestamp out of range; poison record", verdict, "n/a", "", problems);
	}

	@Test
	@Order(7)
	void f7MoreWorkersThanConnectionsUnderLoadStopsNothing() {
		AppSettings settings = AppSettings.defaults()
			.with("spring.datasource.hikari.maximum-pool-size", "4")
			.with("spring.datasource.hikari.connection-timeout", "2000");
		apps(3, settings);
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		load.send(MIX, this.size.pick(300, 10_000), 0, 10, 6);
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report("F7 256 workers, 4 connections", "pool of 4 (2 s connection timeout) under 256 workers", verdict, "n/a",
				"", List.of());
	}

	@Test
	@Order(8)
	void f6ScalingFromOneToThreeAndBackToOneUnderLoadLosesNothing() {
		fresh();
		this.cluster.startApp(AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		// At the small size the load lasts about 30 s: long enough to span the two
		// starts,
		// the stop and the kill below.
		CompletableFuture<Void> sending = sendInBackground(load, this.size.pick(300, 10_000), this.size.pick(10, 40));
		sleep(5_000);
		List<AppProcess> added = this.cluster.startApps(2, AppSettings.defaults());
		sleep(10_000);
		this.cluster.stop(added.get(0));
		long killedAt = System.currentTimeMillis();
		this.cluster.kill(added.get(1));
		RecoveryProbe probe = new RecoveryProbe(this.cluster);
		probe.killed(added.get(1).instanceId(), killedAt);
		sending.join();
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report("F6 scale 1 → 3 → 1", "2 starts, 1 graceful stop, 1 kill -9", verdict, probe.describe(), "", List.of());
	}

	@Test
	@Order(9)
	void f8InstancesWithClocksFiveMinutesOffKeepCronSleepsWaitsAndLeasesRight() {
		fresh();
		this.cluster.startApps(1, AppSettings.defaults().with("faults.clock-offset", "5m"));
		this.cluster.startApps(1, AppSettings.defaults().with("faults.clock-offset", "-5m"));
		this.cluster.startApps(1, AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		load.send(MIX, this.size.pick(200, 10_000), this.size.pick(10, 50), 5, 4);
		sleep(10_000);
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report("F8 clocks 5 min off", "one app +5 min, one -5 min, one right", verdict, "n/a", "", List.of());
	}

	@Test
	@Order(10)
	void f10AppsStartWhileTheBrokerIsDownAndWorkWhenItComesUp() {
		fresh();
		this.cluster.broker().kill();
		long from = System.currentTimeMillis();
		this.cluster.startApps(3, AppSettings.defaults());
		sleep(5_000);
		this.cluster.broker().start();
		long to = System.currentTimeMillis();
		List<String> problems = new ArrayList<>();
		String recovery = checkHealth(from, to, problems);
		if (this.cluster.apps().size() < 3) {
			problems.add("an app ended after it started without its broker: see target/fault-logs");
		}
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		load.send(MIX, this.size.pick(200, 10_000), 0, 10, 4);
		if (load.accepted().isEmpty()) {
			problems.add("no event was accepted once the broker was up");
		}
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report("F10 broker down at start-up", "broker down while 3 apps start", verdict, recovery, "", problems);
	}

	@Test
	@Order(11)
	void f11BrokerDownWhileTransactionsCommitLosesNothingAndFailsNoSend() {
		BrokerOutage outage = brokerOutageUnderLoad(Map.of("transactional", "true"));
		List<LoadDriver.Failure> failures = outage.load().failures();
		if (!failures.isEmpty()) {
			outage.problems()
				.add("send: " + failures.size() + " sends in a transaction failed while the broker was down, e.g. "
						+ failures.get(0).message().replace('|', '/'));
		}
		report("F11 broker kill -9, sends in transactions (outbox)", "broker down " + outage.seconds() + " s",
				outage.verdict(), outage.recovery(),
				outage.load().accepted().size() + " events committed, " + failures.size() + " sends failed",
				outage.problems());
	}

	@Test
	@Order(12)
	void f12AppKilledBetweenCommitAndRelayHasItsEventsRelayedByAnother() {
		apps(3, AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster, Map.of("transactional", "true"));
		CompletableFuture<Void> sending = sendInBackground(load, this.size.pick(200, 10_000),
				this.size.pick(200, 10_000) / 30.0);
		int kills = this.size.pick(2, 10);
		List<String> problems = new ArrayList<>();
		for (int i = 0; i < kills; i++) {
			sleep(2_000);
			AppProcess victim = this.cluster.randomApp();
			String eventId = java.util.UUID.randomUUID().toString();
			try {
				victim.send("fault/order", 1,
						Map.of("transactional", "true", "haltAfterCommit", "true", "id", eventId));
				problems.add(victim.instanceId() + " answered instead of halting after the commit");
			}
			catch (java.io.IOException ex) {
				// Halted after the commit: the event is in the outbox, not yet relayed.
				load.accepted(eventId, "fault/order");
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			this.cluster.kill(victim);
			this.cluster.startApp(AppSettings.defaults());
		}
		sending.join();
		Verdict verdict = new InvariantChecker(this.cluster, since).check(load.accepted().values(), Map.of(),
				settleTimeout());
		report("F12 app halted between commit and relay (outbox)", kills + " halts right after a commit", verdict,
				"n/a", "", problems);
	}

	@Test
	@Order(13)
	void f13KillingTheAppThatHoldsConcurrencySlotsFreesThemWithinALease() {
		apps(3, AppSettings.defaults());
		Instant since = Snapshot.databaseNow(this.cluster);
		LoadDriver load = new LoadDriver(this.cluster);
		int keys = 5;
		int perKey = this.size.pick(30, 400);
		// One sender per key: every key gets far more runs than its two slots at once, so
		// most of them wait DELAYED.
		ExecutorService senders = Executors.newFixedThreadPool(keys);
		List<CompletableFuture<Void>> sends = new ArrayList<>();
		for (int k = 0; k < keys; k++) {
			Map<String, String> key = Map.of("key", "key-" + k);
			sends.add(CompletableFuture.runAsync(() -> {
				for (int sent = 0; sent < perKey; sent += 5) {
					load.sendBatch("fault/limited", Math.min(5, perKey - sent), key);
				}
			}, senders));
		}
		CompletableFuture<Void> sending = CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
		RecoveryProbe probe = new RecoveryProbe(this.cluster);
		Map<String, Instant> kills = new HashMap<>();
		List<SlotKill> slotKills = new ArrayList<>();
		List<CompletableFuture<?>> restarts = new ArrayList<>();
		List<String> problems = new ArrayList<>();
		int planned = this.size.pick(1, 3);
		sleep(2_000);
		for (int i = 0; i < planned; i++) {
			if (i > 0) {
				sleep(15_000);
			}
			Optional<AppProcess> victim = holderOfMostSlots(10_000);
			if (victim.isEmpty()) {
				problems.add("no running app held a slot of '" + SlotChecks.FUNCTION + "' to kill");
				break;
			}
			long at = System.currentTimeMillis();
			this.cluster.kill(victim.get());
			Instant killedAt = Snapshot.databaseNow(this.cluster);
			probe.killed(victim.get().instanceId(), at);
			kills.put(victim.get().instanceId(), killedAt);
			// Its leases outlive it, so what it held is still on its runs.
			Map<String, Long> slots = SlotChecks.held(this.cluster).getOrDefault(victim.get().instanceId(), Map.of());
			Map<String, List<String>> waiting = SlotChecks.waiting(this.cluster);
			Set<String> whole = SlotChecks.wholeKeys(slots);
			slotKills.add(new SlotKill(killedAt, slots.values().stream().mapToLong(Long::longValue).sum(),
					waiting.values().stream().mapToInt(List::size).sum(), whole.size(),
					whole.stream().flatMap((k) -> waiting.getOrDefault(k, List.of()).stream()).toList()));
			restarts.add(CompletableFuture.runAsync(() -> this.cluster.startApp(AppSettings.defaults())));
		}
		sending.join();
		senders.shutdown();
		restarts.forEach(CompletableFuture::join);
		InvariantChecker checker = new InvariantChecker(this.cluster, since);
		Verdict verdict = checker.check(load.accepted().values(), Map.of(), settleTimeout());
		Snapshot snapshot = checker.lastSnapshot();
		Map<String, Integer> mostAtOnce = SlotChecks.mostAtOnce(snapshot, SlotChecks.keys(this.cluster, since), kills);
		mostAtOnce.forEach((key, most) -> {
			if (most > SlotChecks.LIMIT) {
				problems.add("concurrency: " + most + " step bodies of key " + key + " ran at once, over the limit of "
						+ SlotChecks.LIMIT);
			}
		});
		List<Duration> resumed = new ArrayList<>();
		for (SlotKill kill : slotKills) {
			if (!kill.behindWholeKeys().isEmpty()) {
				Optional<Duration> first = SlotChecks.firstStartAfter(snapshot, kill.at(), kill.behindWholeKeys());
				first.ifPresentOrElse(resumed::add, () -> problems
					.add("concurrency: no run waiting behind the killed app's slots started after the kill"));
			}
		}
		String recovery = probe.describe() + "; "
				+ (resumed.isEmpty() ? "no key held whole by a killed app"
						: "runs waiting on a key the killed app held whole started again after max "
								+ resumed.stream().mapToLong(Duration::toMillis).max().getAsLong() / 1000.0 + " s");
		String notes = keys + " keys, limit " + SlotChecks.LIMIT + " each: at most "
				+ mostAtOnce.values().stream().mapToInt(Integer::intValue).max().orElse(0)
				+ " step bodies of a key at once; at the kills "
				+ slotKills.stream()
					.map((kill) -> kill.slots() + " slots held (" + kill.wholeKeys() + " keys whole), " + kill.waiting()
							+ " runs DELAYED")
					.toList();
		report("F13 kill -9 of the app holding concurrency slots",
				slotKills.size() + " kill -9 of the app holding the most slots, each restarted", verdict, recovery,
				notes, problems);
	}

	/**
	 * Waits until a running app holds every slot of a key, at most the given time, and
	 * returns the app holding the most whole keys, then the most slots.
	 * @param waitMillis how long to wait for an app holding a key whole
	 * @return the app, if any running app holds a slot
	 */
	private Optional<AppProcess> holderOfMostSlots(long waitMillis) {
		long deadline = System.currentTimeMillis() + waitMillis;
		while (true) {
			Map<String, AppProcess> running = new HashMap<>();
			this.cluster.apps().forEach((app) -> running.put(app.instanceId(), app));
			Map<String, Map<String, Long>> held = SlotChecks.held(this.cluster);
			held.keySet().retainAll(running.keySet());
			Optional<String> victim = SlotChecks.victim(held);
			boolean whole = victim.map((id) -> !SlotChecks.wholeKeys(held.get(id)).isEmpty()).orElse(false);
			if (whole || System.currentTimeMillis() >= deadline) {
				return victim.map(running::get);
			}
			sleep(200);
		}
	}

	/**
	 * What a killed app held.
	 *
	 * @param at when it was killed, in database time
	 * @param slots the slots it held
	 * @param waiting the runs waiting DELAYED at the kill, over all keys
	 * @param wholeKeys how many keys it held every slot of
	 * @param behindWholeKeys the runs that waited on those keys
	 */
	private record SlotKill(Instant at, long slots, int waiting, int wholeKeys, List<String> behindWholeKeys) {

	}

}
