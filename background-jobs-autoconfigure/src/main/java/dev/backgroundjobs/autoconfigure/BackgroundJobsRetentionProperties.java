package dev.backgroundjobs.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties for the retention of finished runs and dead letters.
 * <p>
 * The properties validate themselves when they are bound (Spring Boot applies a
 * properties object that is a {@link Validator}), so a bad value fails the start-up with
 * Boot's report naming the property.
 */
@ConfigurationProperties("background-jobs.retention")
public class BackgroundJobsRetentionProperties implements Validator {

	/**
	 * Largest batch size: the ids of a batch are bound in {@code IN} lists.
	 */
	public static final int MAX_BATCH_SIZE = 1000;

	/**
	 * Default age of completed runs.
	 */
	public static final Duration DEFAULT_COMPLETED_RUNS = Duration.ofDays(7);

	/**
	 * Default age of failed and cancelled runs and of dead letters.
	 */
	public static final Duration DEFAULT_FAILED_RUNS = Duration.ofDays(30);

	/**
	 * Default batch size.
	 */
	public static final int DEFAULT_BATCH_SIZE = 500;

	/**
	 * Default time between two rounds.
	 */
	public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

	/**
	 * Whether each instance deletes finished runs and dead letters once they are older
	 * than their retention. When false, nothing is ever deleted.
	 */
	private boolean enabled = true;

	/**
	 * How long after finishing a completed run is deleted, with its steps, event waits
	 * and invocation records. A number without a unit is in days.
	 */
	@DurationUnit(ChronoUnit.DAYS)
	private Duration completedRuns = DEFAULT_COMPLETED_RUNS;

	/**
	 * How long after finishing a failed or cancelled run is deleted (with its steps and
	 * dead letter), and how long after being recorded a poison-record dead letter is. A
	 * dead letter not yet published to the dead-letter topic is kept, and so is its
	 * failed run. A number without a unit is in days.
	 */
	@DurationUnit(ChronoUnit.DAYS)
	private Duration failedRuns = DEFAULT_FAILED_RUNS;

	/**
	 * Most runs, or dead letters, deleted in one transaction; from 1 to 1000.
	 */
	private int batchSize = DEFAULT_BATCH_SIZE;

	/**
	 * Time between the end of one round of deletion on an instance and the start of the
	 * next. A round deletes batch after batch until nothing is past its retention.
	 */
	private Duration interval = DEFAULT_INTERVAL;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getCompletedRuns() {
		return this.completedRuns;
	}

	public void setCompletedRuns(Duration completedRuns) {
		this.completedRuns = completedRuns;
	}

	public Duration getFailedRuns() {
		return this.failedRuns;
	}

	public void setFailedRuns(Duration failedRuns) {
		this.failedRuns = failedRuns;
	}

	public int getBatchSize() {
		return this.batchSize;
	}

	public void setBatchSize(int batchSize) {
		this.batchSize = batchSize;
	}

	public Duration getInterval() {
		return this.interval;
	}

	public void setInterval(Duration interval) {
		this.interval = interval;
	}

	@Override
	public boolean supports(Class<?> type) {
		return BackgroundJobsRetentionProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		BackgroundJobsRetentionProperties properties = (BackgroundJobsRetentionProperties) target;
		positive(errors, properties.getCompletedRuns(), "completedRuns", "completed-runs");
		positive(errors, properties.getFailedRuns(), "failedRuns", "failed-runs");
		positive(errors, properties.getInterval(), "interval", "interval");
		if (properties.getBatchSize() < 1 || properties.getBatchSize() > MAX_BATCH_SIZE) {
			errors.rejectValue("batchSize", "invalid",
					"background-jobs.retention.batch-size must be between 1 and " + MAX_BATCH_SIZE);
		}
	}

	private static void positive(Errors errors, @Nullable Duration duration, String field, String property) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			errors.rejectValue(field, "invalid", "background-jobs.retention." + property + " must be positive");
		}
	}

}
