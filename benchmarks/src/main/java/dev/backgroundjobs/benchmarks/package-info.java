/**
 * Benchmarks of background-jobs against JobRunr and db-scheduler on a real KRaft broker
 * and PostgreSQL.
 */
@NullMarked
package dev.backgroundjobs.benchmarks;

import org.jspecify.annotations.NullMarked;
