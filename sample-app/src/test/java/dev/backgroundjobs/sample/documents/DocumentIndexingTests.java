package dev.backgroundjobs.sample.documents;

import java.time.Instant;
import java.util.List;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.test.TestRun;
import dev.backgroundjobs.test.TestStep;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Unit tests of {@link DocumentIndexing} with a {@link TestStep}: no Kafka, no database
 * (the repository is a mock).
 */
class DocumentIndexingTests {

	private static final Instant NOW = Instant.parse("2026-03-02T09:00:00Z");

	private final DocumentRepository documents = mock(DocumentRepository.class);

	private final SearchIndex index = new SearchIndex();

	private final DocumentIndexing indexing = new DocumentIndexing(this.documents, this.index);

	private final TestStep step = new TestStep();

	@Test
	void aBatchOfUploadsIsIndexedInOneStepSkippingDeletedDocuments() {
		given(this.documents.get("d-1")).willReturn(new Document("d-1", "One", "Text.", "u-1", NOW, null, null));
		given(this.documents.get("d-2")).willReturn(new Document("d-2", "Two", "Text.", "u-1", NOW, null, null));
		List<Event<DocumentUploaded>> uploads = List.of(uploaded("d-1"), uploaded("d-2"), uploaded("deleted"));
		TestRun<Integer> run = this.step.execute(() -> this.indexing.index(uploads, this.step));
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo(2);
		assertThat(run.stepIds()).containsExactly("bulk-index");
		assertThat(this.index.contains("d-1")).isTrue();
		assertThat(this.index.contains("d-2")).isTrue();
		assertThat(this.index.contains("deleted")).isFalse();
	}

	private static Event<DocumentUploaded> uploaded(String documentId) {
		return Event.of("api/document.uploaded", new DocumentUploaded(documentId, "u-1"));
	}

}
