package dev.backgroundjobs.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests of the whole sample application over HTTP, with its in-process Kafka
 * broker and H2 database.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.summarize.failure-rate=0")
class SampleApplicationIntegrationTests {

	private static final Duration SUMMARY_TIMEOUT = Duration.ofSeconds(30);

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper mapper = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Autowired
	private MeterRegistry meters;

	@Test
	void uploadedDocumentIsSummarizedInTheBackground() throws Exception {
		HttpResponse<String> upload = send(post("/api/documents",
				"{\"title\": \"Notes\", \"content\": \"Kafka carries the events.\", \"userId\": \"u-42\"}"));
		assertThat(upload.statusCode()).isEqualTo(200);
		String documentId = this.mapper.readTree(upload.body()).path("documentId").asString();
		assertThat(documentId).isNotBlank();
		JsonNode document = awaitSummary(documentId);
		assertThat(document.path("summary").asString()).isEqualTo("4 words: Kafka carries the events.");
	}

	@Test
	void uploadSavesTheDocumentAndItsEventInOneTransactionThroughTheOutbox() throws Exception {
		double relayedBefore = relayed();
		HttpResponse<String> upload = send(post("/api/documents",
				"{\"title\": \"Outbox\", \"content\": \"One commit for both.\", \"userId\": \"u-7\"}"));
		String documentId = this.mapper.readTree(upload.body()).path("documentId").asString();
		awaitSummary(documentId);
		assertThat(relayed()).isGreaterThan(relayedBefore);
	}

	@Test
	void uploadWithoutATitleIsRefusedWithTheFieldNamed() throws Exception {
		HttpResponse<String> upload = send(post("/api/documents", "{\"content\": \"No title.\", \"userId\": \"u-7\"}"));
		assertThat(upload.statusCode()).isEqualTo(400);
		assertThat(upload.body()).contains("'title' must not be empty");
	}

	private double relayed() {
		return this.meters.get("background-jobs.outbox.relay").timer().count();
	}

	@Test
	void jobsEndpointListsTheFunctionsWithoutCredentials() throws Exception {
		HttpResponse<String> response = send(get("/actuator/jobs"));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((contentType) -> assertThat(contentType).contains("json"));
		JsonNode functions = this.mapper.readTree(response.body()).path("functions");
		assertThat(functions.valueStream().map((function) -> function.path("id").asString()))
			.contains("process-document");
	}

	@Test
	void anonymousReplayIsRejected() throws Exception {
		HttpResponse<String> response = send(post("/actuator/jobs/dead-letters/" + UUID.randomUUID(), ""));
		assertThat(response.statusCode()).isEqualTo(401);
	}

	@Test
	void anonymousCancelIsRejected() throws Exception {
		HttpResponse<String> response = send(post("/actuator/jobs/runs/" + UUID.randomUUID() + "/cancel", ""));
		assertThat(response.statusCode()).isEqualTo(401);
	}

	@Test
	void operatorReplayOfAnUnknownRunGetsPastSecurityToNotFound() throws Exception {
		HttpResponse<String> response = send(asOperator(post("/actuator/jobs/dead-letters/" + UUID.randomUUID(), "")));
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(this.mapper.readTree(response.body()).path("message").asString()).startsWith("No run with id");
	}

	@Test
	void wrongPasswordIsRejected() throws Exception {
		HttpRequest.Builder request = post("/actuator/jobs/dead-letters/" + UUID.randomUUID(), "");
		request.header("Authorization", basic("operator", "wrong"));
		assertThat(send(request).statusCode()).isEqualTo(401);
	}

	@Test
	void reviewResumesTheRunWaitingForIt() throws Exception {
		HttpResponse<String> upload = send(post("/api/documents",
				"{\"title\": \"Draft\", \"content\": \"Needs a review.\", \"userId\": \"u-7\"}"));
		String documentId = this.mapper.readTree(upload.body()).path("documentId").asString();
		String runId = awaitRun("await-review", documentId, "WAITING").path("runId").asString();
		HttpResponse<String> review = send(post("/api/documents/" + documentId + "/review?approved=true", ""));
		assertThat(review.statusCode()).isEqualTo(200);
		JsonNode run = awaitRun("await-review", documentId, "COMPLETED");
		assertThat(run.path("runId").asString()).isEqualTo(runId);
		assertThat(run.path("output").asString()).isEqualTo("approved");
	}

	@Test
	void deletingADocumentCancelsTheRunWaitingForItsReview() throws Exception {
		HttpResponse<String> upload = send(post("/api/documents",
				"{\"title\": \"Obsolete\", \"content\": \"Soon deleted.\", \"userId\": \"u-8\"}"));
		String documentId = this.mapper.readTree(upload.body()).path("documentId").asString();
		String runId = awaitRun("await-review", documentId, "WAITING").path("runId").asString();
		HttpResponse<String> deletion = send(HttpRequest.newBuilder(uri("/api/documents/" + documentId)).DELETE());
		assertThat(deletion.statusCode()).isEqualTo(200);
		JsonNode run = awaitRun("await-review", documentId, "CANCELLED");
		assertThat(run.path("runId").asString()).isEqualTo(runId);
		assertThat(send(get("/api/documents/" + documentId)).statusCode()).isEqualTo(404);
	}

	@Test
	void runPayloadsAreShownToTheOperatorOnly() throws Exception {
		HttpResponse<String> upload = send(post("/api/documents",
				"{\"title\": \"Private\", \"content\": \"Not for everyone.\", \"userId\": \"u-9\"}"));
		String documentId = this.mapper.readTree(upload.body()).path("documentId").asString();
		String runId = awaitRun("await-review", documentId, "WAITING").path("runId").asString();
		JsonNode anonymous = this.mapper.readTree(send(get("/actuator/jobs/runs/" + runId)).body());
		assertThat(anonymous.path("status").asString()).isEqualTo("WAITING");
		assertThat(anonymous.path("event").path("data").asString()).isEqualTo("******");
	}

	private JsonNode awaitRun(String functionId, String documentId, String status) throws Exception {
		long deadline = System.nanoTime() + SUMMARY_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			JsonNode runs = this.mapper
				.readTree(
						send(get("/actuator/jobs/runs?limit=500&function=" + functionId + "&status=" + status)).body())
				.path("runs");
			for (JsonNode summary : runs) {
				JsonNode run = this.mapper
					.readTree(send(asOperator(get("/actuator/jobs/runs/" + summary.path("runId").asString()))).body());
				if (documentId.equals(run.path("event").path("data").path("documentId").asString())) {
					return run;
				}
			}
			Thread.sleep(200);
		}
		throw new AssertionError("No " + status + " run of " + functionId + " for document " + documentId);
	}

	private JsonNode awaitSummary(String documentId) throws Exception {
		long deadline = System.nanoTime() + SUMMARY_TIMEOUT.toNanos();
		JsonNode document = null;
		while (System.nanoTime() < deadline) {
			HttpResponse<String> response = send(get("/api/documents/" + documentId));
			assertThat(response.statusCode()).isEqualTo(200);
			document = this.mapper.readTree(response.body());
			if (document.path("summary").isString()) {
				return document;
			}
			Thread.sleep(200);
		}
		throw new AssertionError("No summary within " + SUMMARY_TIMEOUT + ": " + document);
	}

	private HttpRequest.Builder get(String path) {
		return HttpRequest.newBuilder(uri(path)).GET();
	}

	private HttpRequest.Builder post(String path, String json) {
		return HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json));
	}

	private HttpRequest.Builder asOperator(HttpRequest.Builder request) {
		return request.header("Authorization", basic("operator", "operator"));
	}

	private String basic(String username, String password) {
		String credentials = username + ":" + password;
		return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

}
