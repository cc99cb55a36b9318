package dev.backgroundjobs.sample.documents;

import java.time.Duration;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.test.time.TestClock;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests of {@link DocumentIndexing} in the running sample, with its
 * in-process Kafka broker and H2 database: uploads wait for their batch, and the test
 * clock moves the batch's timeout along.
 */
// The same configuration as SampleApplicationIntegrationTests, so both share one context.
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.summarize.failure-rate=0")
class DocumentIndexingIntegrationTests {

	@Autowired
	private EventPublisher events;

	@Autowired
	private DocumentRepository documents;

	@Autowired
	private SearchIndex index;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private TestClock clock;

	@Test
	void anUploadIsIndexedWithItsBatchOnceTheBatchTimesOut() {
		Document document = this.documents.create(new NewDocument("Indexed", "Some content.", "u-1"));
		String eventId = this.events.send("api/document.uploaded", new DocumentUploaded(document.id(), "u-1"));
		await().atMost(Duration.ofSeconds(60)).until(() -> waiting(eventId));
		assertThat(this.index.contains(document.id())).isFalse();
		this.clock.advance(Duration.ofSeconds(10));
		await().atMost(Duration.ofSeconds(60)).until(() -> this.index.contains(document.id()));
	}

	private boolean waiting(String eventId) {
		return this.jdbc
			.sql("SELECT COUNT(*) FROM bj_batch_events WHERE function_id = 'index-documents' AND event_id = :id "
					+ "AND batch_run_id IS NULL")
			.param("id", eventId)
			.query(Long.class)
			.single() == 1;
	}

}
