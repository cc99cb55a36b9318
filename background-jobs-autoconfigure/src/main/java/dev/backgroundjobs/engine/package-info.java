/**
 * Running a run: the step implementation, retries and backoff, and the worker pool; no
 * Kafka or JDBC types here.
 */
@NullMarked
package dev.backgroundjobs.engine;

import org.jspecify.annotations.NullMarked;
