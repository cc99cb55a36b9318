package dev.backgroundjobs;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Selects dead letters for an operation in bulk. Every criterion that is set must match;
 * the dead letters are taken oldest first.
 *
 * @param functionId only dead letters of this function, if set
 * @param createdFrom only dead letters recorded at or after this time, if set
 * @param createdTo only dead letters recorded before this time, if set
 * @param errorContains only dead letters whose error contains this text, ignoring case,
 * if set
 * @param limit the most dead letters to take, at least 1
 */
public record DeadLetterFilter(@Nullable String functionId, @Nullable Instant createdFrom, @Nullable Instant createdTo,
		@Nullable String errorContains, int limit) {

	/**
	 * Creates a filter, checking its arguments.
	 * @param functionId only dead letters of this function, if set
	 * @param createdFrom only dead letters recorded at or after this time, if set
	 * @param createdTo only dead letters recorded before this time, if set
	 * @param errorContains only dead letters whose error contains this text, if set
	 * @param limit the most dead letters to take
	 */
	public DeadLetterFilter {
		Assert.isTrue(limit >= 1, "'limit' must be at least 1");
		Assert.isTrue(createdFrom == null || createdTo == null || createdFrom.isBefore(createdTo),
				"'createdFrom' must be before 'createdTo'");
		functionId = StringUtils.hasText(functionId) ? functionId : null;
		errorContains = StringUtils.hasLength(errorContains) ? errorContains : null;
	}

	/**
	 * Returns whether any criterion is set, so that the filter does not select every dead
	 * letter.
	 * @return whether the filter narrows the dead letters down
	 */
	public boolean isNarrowed() {
		return this.functionId != null || this.createdFrom != null || this.createdTo != null
				|| this.errorContains != null;
	}

}
