package dev.backgroundjobs.sample.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of the dashboard in a real, headless Chromium against the whole sample
 * application. Each test also saves a screenshot of the page it checks (see
 * {@link Browser#screenshot}); the README shows them.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		// A database, topics and consumer groups of its own: the other tests'
		// applications
		// share the test kit's broker.
		properties = { "spring.datasource.url=jdbc:h2:mem:dashboard-browser;DB_CLOSE_DELAY=-1",
				"background-jobs.kafka.topic-prefix=dashboard-browser", "spring.application.name=dashboard-browser",
				"sample.summarize.failure-rate=0", "background-jobs.dashboard.refresh-interval=500ms" })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserIntegrationTests {

	private static final String REPORT_REQUESTED = "test/report.requested";

	@LocalServerPort
	private int port;

	@Autowired
	private EventPublisher events;

	@Autowired
	private RunStore runs;

	@Autowired
	private ReportUploads uploads;

	private Browser browser;

	@BeforeAll
	void startBrowser() {
		this.browser = Browser.start();
	}

	@AfterAll
	void stopBrowser() {
		if (this.browser != null) {
			this.browser.close();
		}
	}

	@BeforeEach
	void signOut() {
		this.browser.open(url("/background-jobs/index.html"));
		this.browser.driver().manage().deleteAllCookies();
	}

	@Test
	void overviewShowsTheFunctionsWithTheirTriggersAndTheRunCounts() {
		this.browser.open(url("/background-jobs"));
		// The overview renders itself again every refresh interval (500 ms here): read
		// each text in a wait that finds its element again.
		this.browser.textContaining("#functions", "export-report", "event:" + REPORT_REQUESTED, "report-backlog",
				"cron:*/5 * * * *");
		this.browser.textContaining("#status-counts", "FAILED", "SLEEPING");
		this.browser.textContaining("#dead-letter-count", "Dead letters");
		this.browser.screenshot("dashboard-overview");
	}

	@Test
	void operatorFiltersRunsOpensAFailedRunSeesTheFailingStepsErrorAndReplaysItToCompletion() {
		this.uploads.failing.set(true);
		String eventId = this.events.send(REPORT_REQUESTED, Map.of("reportId", "r-1"));
		signIn();
		this.browser.open(url("/background-jobs/#/runs"));
		new Select(this.browser.find("select[name=status]")).selectByValue("FAILED");
		new Select(this.browser.find("select[name=function]")).selectByValue("export-report");
		this.browser.find("input[name=eventId]").sendKeys(eventId);
		this.browser.click("#apply-filters");
		// The page refreshes itself until the run has failed.
		String runId = this.browser.attribute("#runs tr[data-status=FAILED]", "data-run-id");
		assertThat(this.browser.driver().findElements(By.cssSelector("#runs tr[data-run-id]"))).hasSize(1);
		this.browser.screenshot("dashboard-runs");
		this.browser.click("#runs tr[data-run-id='" + runId + "'] a");
		assertThat(this.browser.find("#steps tr[data-step-id=upload] .step-error").getText())
			.contains("Upload service unavailable");
		assertThat(this.browser.find("#steps tr[data-step-id=collect]").getAttribute("data-status"))
			.isEqualTo("COMPLETED");
		this.browser.screenshot("dashboard-run-failed");
		this.uploads.failing.set(false);
		this.browser.open(url("/background-jobs/#/dead-letters"));
		this.browser.find("tr[data-dead-letter-id='" + runId + "']");
		this.browser.screenshot("dashboard-dead-letters");
		this.browser.click("input.select-dead-letter[value='" + runId + "']");
		this.browser.click("#replay-selected");
		assertThat(this.browser.find("#message").getText()).contains("Replayed 1 run");
		this.browser.open(url("/background-jobs/#/runs/" + runId));
		this.browser.reloadUntilText("#run-status", "COMPLETED");
		assertThat(this.browser.find("#steps tr[data-step-id=upload]").getAttribute("data-status"))
			.isEqualTo("COMPLETED");
		this.browser.screenshot("dashboard-run-completed");
	}

	@Test
	void anonymousUserCannotReplayADeadLetter() {
		this.uploads.failing.set(true);
		String eventId = this.events.send(REPORT_REQUESTED, Map.of("reportId", "r-2"));
		this.browser.open(url("/background-jobs/#/runs?status=FAILED&eventId=" + eventId));
		String runId = this.browser.attribute("#runs tr[data-status=FAILED]", "data-run-id");
		this.browser.open(url("/background-jobs/#/dead-letters"));
		this.browser.click("tr[data-dead-letter-id='" + runId + "'] button.replay");
		assertThat(this.browser.find("#message.error").getText()).startsWith("401");
		RunRecord run = this.runs.find(runId);
		assertThat(run).isNotNull();
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
	}

	@Test
	void operatorCancelsASleepingRun() throws Exception {
		HttpResponse<String> upload = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url("/api/documents")))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers
					.ofString("{\"title\": \"Notes\", \"content\": \"Sleep on it.\", \"userId\": \"u-7\"}"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(upload.statusCode()).isEqualTo(200);
		signIn();
		this.browser.open(url("/background-jobs/#/runs?status=SLEEPING&function=notify-owner"));
		this.browser.click("#runs tr[data-status=SLEEPING] a");
		assertThat(this.browser.find("#run-status").getText()).isEqualTo("SLEEPING");
		assertThat(this.browser.find("#run-facts").getText()).contains("Wakes");
		this.browser.screenshot("dashboard-run-sleeping");
		this.browser.click("#cancel-run");
		this.browser.acceptConfirmation();
		this.browser.until((driver) -> driver.findElement(By.id("run-status")).getText().equals("CANCELLED"));
		assertThat(this.browser.find("#message").getText()).contains("is now CANCELLED");
	}

	@Test
	void operatorSendsAnEventAndSeesItsRun() {
		this.uploads.failing.set(false);
		signIn();
		this.browser.open(url("/background-jobs/#/send"));
		WebElement name = this.browser.find("#event-name");
		name.clear();
		name.sendKeys(REPORT_REQUESTED);
		WebElement data = this.browser.find("#event-data");
		data.clear();
		data.sendKeys("{\"reportId\": \"r-3\"}");
		this.browser.screenshot("dashboard-send");
		this.browser.click("#send-event");
		assertThat(this.browser.text("#runs tr[data-run-id]")).contains("export-report");
	}

	private void signIn() {
		// A fresh session each time: the login page of a session that is already signed
		// in does not always navigate away.
		this.browser.open(url("/login"));
		this.browser.driver().manage().deleteAllCookies();
		this.browser.open(url("/login"));
		this.browser.find("#username").sendKeys("operator");
		this.browser.find("#password").sendKeys("operator");
		this.browser.click("button[type=submit]");
		this.browser.until((driver) -> !driver.getCurrentUrl().endsWith("/login"));
		this.browser.open(url("/background-jobs/"));
		assertThat(this.browser.find("#user").getText()).contains("Signed in as operator");
	}

	private String url(String path) {
		return "http://localhost:" + this.port + path;
	}

	/**
	 * A function for the tests: exports a report in two steps, the second failing while
	 * {@link ReportUploads#failing} is set, with no retries, so a run fails at once.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class ReportFunctions {

		@Bean
		ReportUploads reportUploads() {
			return new ReportUploads();
		}

		@Bean
		ReportExport reportExport(ReportUploads uploads) {
			return new ReportExport(uploads);
		}

	}

	static final class ReportUploads {

		final AtomicBoolean failing = new AtomicBoolean();

	}

	static final class ReportExport {

		private final ReportUploads uploads;

		ReportExport(ReportUploads uploads) {
			this.uploads = uploads;
		}

		@EventHandler(id = "export-report", event = REPORT_REQUESTED, retries = 0)
		String export(Event<Map<String, Object>> event, Step step) {
			String report = step.run("collect", String.class, () -> "report " + event.data().get("reportId"));
			step.run("upload", String.class, () -> {
				if (this.uploads.failing.get()) {
					throw new IllegalStateException("Upload service unavailable");
				}
				return "uploaded " + report;
			});
			return "exported " + report;
		}

	}

}
