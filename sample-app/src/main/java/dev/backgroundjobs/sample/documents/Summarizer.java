package dev.backgroundjobs.sample.documents;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.Assert;

/**
 * A stand-in for a large language model: slow, and failing now and then, like a remote
 * model under load. The failure rate is set with {@code sample.summarize.failure-rate} (0
 * to 1).
 */
@Component
class Summarizer {

	private static final Duration MIN_LATENCY = Duration.ofSeconds(1);

	private static final Duration MAX_LATENCY = Duration.ofSeconds(2);

	private static final int MAX_SUMMARY_LENGTH = 120;

	private final double failureRate;

	Summarizer(@Value("${sample.summarize.failure-rate:0.3}") double failureRate) {
		Assert.isTrue(failureRate >= 0 && failureRate <= 1,
				() -> "'sample.summarize.failure-rate' must be between 0 and 1, but was " + failureRate);
		this.failureRate = failureRate;
	}

	/**
	 * Summarises a text.
	 * @param content the text
	 * @return the summary
	 * @throws InterruptedException if interrupted while "thinking"
	 * @throws IllegalStateException on a simulated failure
	 * @throws IllegalArgumentException if the text is blank
	 */
	String summarize(String content) throws InterruptedException {
		if (content.isBlank()) {
			// A failure no retry can fix: the document's failure handler reports it.
			throw new IllegalArgumentException("Nothing to summarize: the document has no text");
		}
		ThreadLocalRandom random = ThreadLocalRandom.current();
		Thread.sleep(random.nextLong(MIN_LATENCY.toMillis(), MAX_LATENCY.toMillis() + 1));
		if (random.nextDouble() < this.failureRate) {
			throw new IllegalStateException(
					"Simulated failure of the summarizer (sample.summarize.failure-rate=" + this.failureRate + ")");
		}
		String text = content.strip().replaceAll("\\s+", " ");
		int words = text.isEmpty() ? 0 : text.split(" ").length;
		String gist = (text.length() <= MAX_SUMMARY_LENGTH) ? text : text.substring(0, MAX_SUMMARY_LENGTH) + "…";
		return words + " words: " + gist;
	}

}
