/**
 * Integration tests with the real engine: {@link TestRuns} waits for a run to reach a
 * status and shows its steps when it does not.
 */
@NullMarked
package dev.backgroundjobs.test.runs;

import org.jspecify.annotations.NullMarked;
