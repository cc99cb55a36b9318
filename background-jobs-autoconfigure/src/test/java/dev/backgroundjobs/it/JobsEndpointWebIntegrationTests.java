package dev.backgroundjobs.it;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.kafka.EventHeaders;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.TestDatabases;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code jobs} Actuator endpoint over real HTTP, against a real broker and
 * PostgreSQL. One application serves every test; each test makes the runs it reads.
 * <p>
 * Values are shown to users with the {@code OPERATOR} role. A servlet filter stands in
 * for the application's security: it authenticates requests that name a user and roles in
 * headers, and the Actuator reads the user and roles from the request as it does with
 * Spring Security.
 */
class JobsEndpointWebIntegrationTests {

	private static final String USER = "X-Test-User";

	private static final String ROLES = "X-Test-Roles";

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient http = HttpClient.newHttpClient();

	private static TestApplication.Cluster cluster;

	private static ConfigurableApplicationContext app;

	private static String base;

	@BeforeAll
	static void startApplication() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_endpoint_it"));
		TestApplication.Cluster.clearTables(database.dataSource());
		cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
			.with("server.port", "0")
			.with("management.endpoints.web.exposure.include", "jobs,health")
			.with("management.endpoint.jobs.show-values", "when-authorized")
			.with("management.endpoint.jobs.roles", "OPERATOR");
		app = cluster.start(WebApplicationType.SERVLET, HeaderAuthentication.class);
		base = "http://localhost:" + app.getBean(Environment.class).getProperty("local.server.port") + "/actuator/jobs";
	}

	@AfterAll
	static void stopApplication() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	void summaryListsFunctionsRunCountsAndDeadLetters() throws Exception {
		JsonNode summary = get("").body();
		List<String> ids = new ArrayList<>();
		summary.get("functions").forEach((function) -> ids.add(function.get("id").asString()));
		assertThat(ids).contains("three-steps", "flaky", "fan-a", "fan-b", "slow", "bulk", "blocking");
		JsonNode threeSteps = find(summary.get("functions"), "three-steps");
		assertThat(threeSteps.get("retries").asInt()).isEqualTo(3);
		assertThat(threeSteps.get("triggers").get(0).asString()).isEqualTo("event:test/three");
		assertThat(summary.get("runCounts").has("COMPLETED")).isTrue();
		assertThat(summary.get("deadLetterCount").isNumber()).isTrue();
	}

	@Test
	void runDetailShowsTheEventOutputAndStepsInOrder() throws Exception {
		RunRecord run = completed("three-steps", publish("test/three", new Job("detail", 1, 0)));
		JsonNode detail = get("/runs/" + run.runId()).body();
		assertThat(detail.get("status").asString()).isEqualTo("COMPLETED");
		assertThat(detail.get("event").get("data").get("key").asString()).isEqualTo("detail");
		assertThat(detail.get("output").asString()).isEqualTo("a1-b2");
		List<String> steps = new ArrayList<>();
		detail.get("steps").forEach((step) -> steps.add(step.get("id").asString()));
		assertThat(steps).containsExactly("a", "b", "c");
		JsonNode b = detail.get("steps").get(1);
		assertThat(b.get("attempts").asInt()).isEqualTo(2);
		assertThat(b.get("durationMillis").isNumber()).isTrue();
	}

	@Test
	void runsAreFilteredAndPagedNewestFirst() throws Exception {
		for (int i = 0; i < 3; i++) {
			completed("fan-a", publish("test/fanout", Job.simple("page-" + i)));
		}
		JsonNode firstPage = get("/runs?function=fan-a&status=COMPLETED&limit=2").body();
		assertThat(firstPage.get("runs")).hasSize(2);
		firstPage.get("runs").forEach((run) -> assertThat(run.get("functionId").asString()).isEqualTo("fan-a"));
		String cursor = firstPage.get("nextBefore").asString();
		JsonNode secondPage = get("/runs?function=fan-a&status=COMPLETED&limit=2&before=" + cursor).body();
		assertThat(secondPage.get("runs").size()).isGreaterThanOrEqualTo(1);
		assertThat(secondPage.get("runs").get(0).get("runId").asString())
			.isNotEqualTo(firstPage.get("runs").get(0).get("runId").asString())
			.isNotEqualTo(cursor);
	}

	@Test
	void badInputIsRejectedWithAMessage() throws Exception {
		assertThat(get("/runs/" + UUID.randomUUID()).status()).isEqualTo(404);
		Response malformed = get("/runs/not-a-run-id");
		assertThat(malformed.status()).isEqualTo(400);
		assertThat(malformed.body().get("message").asString()).contains("not-a-run-id");
		Response badStatus = get("/runs?status=DONE");
		assertThat(badStatus.status()).isEqualTo(400);
		assertThat(badStatus.body().get("message").asString()).contains("DONE").contains("COMPLETED");
		assertThat(get("/runs?limit=0").status()).isEqualTo(400);
	}

	@Test
	void replayResumesADeadLetterAtTheFailedStep() throws Exception {
		String eventId = publish("test/flaky", Job.simple("replay"));
		RunRecord failed = awaitStatus("flaky", eventId, RunStatus.FAILED);
		JsonNode deadLetters = get("/dead-letters").body();
		assertThat(deadLetters.toString()).contains(failed.runId());
		assertThat(post("/runs/" + failed.runId() + "/cancel").status()).isEqualTo(409);

		cluster.probe.fix(eventId);
		Response replay = post("/dead-letters/" + failed.runId());
		assertThat(replay.status()).isEqualTo(200);
		assertThat(replay.body().get("status").asString()).isEqualTo("QUEUED");
		awaitStatus("flaky", eventId, RunStatus.COMPLETED);
		assertThat(cluster.probe.count(eventId, "a")).isOne();
		Response again = post("/dead-letters/" + failed.runId());
		assertThat(again.status()).isEqualTo(409);
		assertThat(again.body().get("message").asString()).contains("COMPLETED");
		assertThat(post("/dead-letters/" + UUID.randomUUID()).status()).isEqualTo(404);
	}

	@Test
	void cancelStopsASleepingRun() throws Exception {
		// Another instance on the same database, whose first retry backoff parks the run
		// for an hour, so the run stays SLEEPING until it is cancelled.
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_endpoint_it"));
		RunRecord sleeping;
		try (TestApplication.Cluster parking = new TestApplication.Cluster(database.url(), database.username(),
				database.password())
			.with("background-jobs.retry.initial-interval", "1h")
			.with("background-jobs.retry.max-interval", "1h")
			.with("background-jobs.retry.park-threshold", "1s")) {
			ConfigurableApplicationContext other = parking.start();
			String eventId = other.getBean(EventPublisher.class).send("test/three", new Job("cancel", 5, 0));
			sleeping = awaitStatus("three-steps", eventId, RunStatus.SLEEPING);
		}
		Response cancel = post("/runs/" + sleeping.runId() + "/cancel");
		assertThat(cancel.status()).isEqualTo(200);
		assertThat(cancel.body().get("status").asString()).isEqualTo("CANCELLED");
		assertThat(get("/runs/" + sleeping.runId()).body().get("status").asString()).isEqualTo("CANCELLED");
		assertThat(post("/runs/" + sleeping.runId() + "/cancel").status()).isEqualTo(409);
	}

	@Test
	void valuesAreHiddenFromRequestsWithoutAUser() throws Exception {
		RunRecord run = completed("three-steps", publish("test/three", new Job("hidden", 1, 0)));
		JsonNode detail = send(request("/runs/" + run.runId()).GET().build()).body();
		assertThat(detail.get("status").asString()).isEqualTo("COMPLETED");
		assertThat(detail.get("event").get("name").asString()).isEqualTo("test/three");
		assertThat(detail.get("event").get("data").asString()).isEqualTo("******");
		assertThat(detail.get("output").asString()).isEqualTo("******");
		assertThat(detail.get("steps").get(0).get("output").asString()).isEqualTo("******");
	}

	@Test
	void valuesAreHiddenFromUsersWithoutTheRole() throws Exception {
		RunRecord run = completed("three-steps", publish("test/three", new Job("no-role", 1, 0)));
		JsonNode detail = send(
				request("/runs/" + run.runId()).header(USER, "viewer").header(ROLES, "VIEWER").GET().build())
			.body();
		assertThat(detail.get("event").get("data").asString()).isEqualTo("******");
		JsonNode shown = get("/runs/" + run.runId()).body();
		assertThat(shown.get("event").get("data").get("key").asString()).isEqualTo("no-role");
	}

	@Test
	void deadLetterErrorsAreHiddenFromRequestsWithoutAUser() throws Exception {
		awaitStatus("flaky", publish("test/flaky", Job.simple("hidden-error")), RunStatus.FAILED);
		JsonNode deadLetters = send(request("/dead-letters").GET().build()).body();
		assertThat(deadLetters.get("deadLetters").size()).isPositive();
		deadLetters.get("deadLetters")
			.forEach((deadLetter) -> assertThat(deadLetter.get("error").asString()).isEqualTo("******"));
		get("/dead-letters").body()
			.get("deadLetters")
			.forEach((deadLetter) -> assertThat(deadLetter.get("error").asString()).isNotEqualTo("******"));
	}

	@Test
	void deadLetterIsShownByIdWithItsErrorOnlyToThoseWhoMaySeeValues() throws Exception {
		RunRecord failed = awaitStatus("flaky", publish("test/flaky", Job.simple("by-id")), RunStatus.FAILED);
		JsonNode deadLetter = get("/dead-letters/" + failed.runId()).body();
		assertThat(deadLetter.get("id").asString()).isEqualTo(failed.runId());
		assertThat(deadLetter.get("runId").asString()).isEqualTo(failed.runId());
		assertThat(deadLetter.get("functionId").asString()).isEqualTo("flaky");
		assertThat(deadLetter.get("stepId").asString()).isEqualTo("b");
		assertThat(deadLetter.get("error").asString()).contains("Downstream service unavailable");
		JsonNode hidden = send(request("/dead-letters/" + failed.runId()).GET().build()).body();
		assertThat(hidden.get("error").asString()).isEqualTo("******");
		assertThat(get("/dead-letters/" + UUID.randomUUID()).status()).isEqualTo(404);
		Response malformed = get("/dead-letters/not-an-id");
		assertThat(malformed.status()).isEqualTo(400);
		assertThat(malformed.body().get("message").asString()).contains("not-an-id");
	}

	@Test
	void deadLettersAreReplayedInBulkByFunctionTimeAndErrorText() throws Exception {
		String first = publish("test/flaky", Job.simple("bulk-1"));
		String second = publish("test/flaky", Job.simple("bulk-2"));
		RunRecord firstFailed = awaitStatus("flaky", first, RunStatus.FAILED);
		RunRecord secondFailed = awaitStatus("flaky", second, RunStatus.FAILED);
		String from = get("/dead-letters/" + firstFailed.runId()).body().get("createdAt").asString();
		String fromSecond = get("/dead-letters/" + secondFailed.runId()).body().get("createdAt").asString();
		if (fromSecond.compareTo(from) < 0) {
			from = fromSecond;
		}
		cluster.probe.fix(first);
		cluster.probe.fix(second);
		Response unfiltered = postJson("/dead-letters", "{}");
		assertThat(unfiltered.status()).isEqualTo(400);
		assertThat(unfiltered.body().get("message").asString()).contains("'function', 'from', 'to' or 'error'");
		assertThat(postJson("/dead-letters", "{\"from\": \"yesterday\"}").status()).isEqualTo(400);
		Response replayed = postJson("/dead-letters",
				"{\"function\": \"flaky\", \"error\": \"DOWNSTREAM service\", \"from\": \"" + from + "\"}");
		assertThat(replayed.status()).isEqualTo(200);
		List<String> done = new ArrayList<>();
		replayed.body().get("done").forEach((id) -> done.add(id.asString()));
		assertThat(done).contains(firstFailed.runId(), secondFailed.runId());
		awaitStatus("flaky", first, RunStatus.COMPLETED);
		awaitStatus("flaky", second, RunStatus.COMPLETED);
		assertThat(cluster.probe.count(first, "a")).isOne();
		assertThat(cluster.probe.count(second, "c")).isOne();
	}

	@Test
	void deadLettersAreDeletedOneByOneAndInBulkAndTheirRunsStayFailed() throws Exception {
		RunRecord first = awaitStatus("flaky", publish("test/flaky", Job.simple("delete-1")), RunStatus.FAILED);
		RunRecord second = awaitStatus("flaky", publish("test/flaky", Job.simple("delete-2")), RunStatus.FAILED);
		Response deleted = delete("/dead-letters/" + first.runId());
		assertThat(deleted.status()).isEqualTo(200);
		assertThat(deleted.body().get("id").asString()).isEqualTo(first.runId());
		assertThat(get("/dead-letters/" + first.runId()).status()).isEqualTo(404);
		assertThat(delete("/dead-letters/" + first.runId()).status()).isEqualTo(404);
		assertThat(get("/runs/" + first.runId()).body().get("status").asString()).isEqualTo("FAILED");
		assertThat(delete("/dead-letters").status()).isEqualTo(400);
		String from = get("/dead-letters/" + second.runId()).body().get("createdAt").asString();
		Response bulk = delete("/dead-letters?function=flaky&from=" + from);
		assertThat(bulk.status()).isEqualTo(200);
		assertThat(bulk.body().get("done").toString()).contains(second.runId());
		assertThat(get("/dead-letters/" + second.runId()).status()).isEqualTo(404);
		assertThat(get("/runs/" + second.runId()).body().get("status").asString()).isEqualTo("FAILED");
	}

	@Test
	void poisonDeadLetterIsPublishedAgainToItsTopicAndRemovedOnceTheBrokerHasIt() throws Exception {
		String topic = app.getBean(TopicNames.class).forEvent("test/three");
		String eventId = "fixed-poison-" + UUID.randomUUID();
		RecordHeaders headers = new RecordHeaders();
		headers.add(EventHeaders.ID, eventId.getBytes(StandardCharsets.UTF_8));
		headers.add(EventHeaders.NAME, "test/three".getBytes(StandardCharsets.UTF_8));
		headers.add(EventHeaders.TIMESTAMP, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
		String id = DeadLetterRecord.poisonId("three-steps", topic, 0, Long.MAX_VALUE);
		// Stored as the consumer stores a record it could not read, here one whose cause
		// has since been fixed.
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		deadLetters.savePoison(new DeadLetterRecord(id, null, "three-steps", null, "Could not be read", topic, 0,
				Long.MAX_VALUE, eventId.getBytes(StandardCharsets.UTF_8),
				json.writeValueAsBytes(Job.simple("fixed-poison")), Instant.now(), encode(headers)));
		assertThat(get("/dead-letters/" + id).body().get("record").get("topic").asString()).isEqualTo(topic);
		Response replayed = post("/dead-letters/" + id);
		assertThat(replayed.status()).isEqualTo(200);
		assertThat(replayed.body().get("id").asString()).isEqualTo(id);
		assertThat(deadLetters.find(id)).isNull();
		RunRecord run = completed("three-steps", eventId);
		assertThat(run.output()).isEqualTo("\"a1-b1\"");
		assertThat(post("/dead-letters/" + id).status()).isEqualTo(404);
	}

	@Test
	void rerunFromAStepKeepsEarlierStepsAndRunsThatStepAndTheRestAgain() throws Exception {
		String eventId = publish("test/three", Job.simple("rerun"));
		RunRecord run = completed("three-steps", eventId);
		assertThat(run.output()).isEqualTo("\"a1-b1\"");
		Response rerun = post("/runs/" + run.runId() + "/rerun/b");
		assertThat(rerun.status()).isEqualTo(200);
		assertThat(rerun.body().get("status").asString()).isEqualTo("QUEUED");
		RunRecord again = completed("three-steps", eventId);
		assertThat(again.runId()).isEqualTo(run.runId());
		assertThat(again.output()).isEqualTo("\"a1-b2\"");
		assertThat(cluster.probe.count(eventId, "a")).isOne();
		assertThat(cluster.probe.count(eventId, "b")).isEqualTo(2);
		assertThat(cluster.probe.count(eventId, "c")).isEqualTo(2);
		Response unknownStep = post("/runs/" + run.runId() + "/rerun/nope");
		assertThat(unknownStep.status()).isEqualTo(404);
		assertThat(unknownStep.body().get("message").asString()).contains("no step 'nope'");
		assertThat(post("/runs/" + UUID.randomUUID() + "/rerun/a").status()).isEqualTo(404);
		assertThat(post("/runs/not-a-run-id/rerun/a").status()).isEqualTo(400);
	}

	private static byte[] encode(RecordHeaders headers) throws IOException {
		// The format in which the consumer stores a poison record's headers.
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			Header[] all = headers.toArray();
			out.writeInt(all.length);
			for (Header header : all) {
				out.writeUTF(header.key());
				out.writeInt(header.value().length);
				out.write(header.value());
			}
		}
		return bytes.toByteArray();
	}

	private static String publish(String event, Job job) {
		return app.getBean(EventPublisher.class).send(event, job);
	}

	private static RunRecord completed(String functionId, String eventId) {
		return awaitStatus(functionId, eventId, RunStatus.COMPLETED);
	}

	private static RunRecord awaitStatus(String functionId, String eventId, RunStatus status) {
		return RunAwait.awaitStatus(app, functionId, eventId, status);
	}

	private static JsonNode find(JsonNode functions, String id) {
		for (JsonNode function : functions) {
			if (function.get("id").asString().equals(id)) {
				return function;
			}
		}
		throw new AssertionError("No function " + id);
	}

	private static Response get(String path) throws IOException, InterruptedException {
		return send(asOperator(request(path)).GET().build());
	}

	private static Response post(String path) throws IOException, InterruptedException {
		return send(asOperator(request(path)).POST(HttpRequest.BodyPublishers.noBody()).build());
	}

	private static Response postJson(String path, String body) throws IOException, InterruptedException {
		return send(asOperator(request(path)).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build());
	}

	private static Response delete(String path) throws IOException, InterruptedException {
		return send(asOperator(request(path)).DELETE().build());
	}

	private static HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create(base + path));
	}

	private static HttpRequest.Builder asOperator(HttpRequest.Builder request) {
		return request.header(USER, "operator").header(ROLES, "OPERATOR");
	}

	private static Response send(HttpRequest request) throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
		JsonNode body = response.body().isEmpty() ? json.createObjectNode() : json.readTree(response.body());
		return new Response(response.statusCode(), body);
	}

	private record Response(int status, JsonNode body) {

	}

	/**
	 * Authenticates a request as the user and roles named in its headers, as a security
	 * filter would.
	 */
	@Configuration(proxyBeanMethods = false)
	static class HeaderAuthentication {

		@Bean
		FilterRegistrationBean<Filter> headerAuthenticationFilter() {
			Filter filter = (request, response, chain) -> {
				HttpServletRequest http = (HttpServletRequest) request;
				String user = http.getHeader(USER);
				if (user == null) {
					chain.doFilter(request, response);
					return;
				}
				List<String> roles = List.of(String.valueOf(http.getHeader(ROLES)).split(","));
				chain.doFilter(new HttpServletRequestWrapper(http) {

					@Override
					public Principal getUserPrincipal() {
						return () -> user;
					}

					@Override
					public boolean isUserInRole(String role) {
						return roles.contains(role);
					}

				}, response);
			};
			return new FilterRegistrationBean<>(filter);
		}

	}

}
