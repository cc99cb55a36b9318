/**
 * Benchmarks of background-jobs against JobRunr, db-scheduler and DBOS Transact on a real
 * KRaft broker and PostgreSQL.
 */
@NullMarked
package dev.backgroundjobs.benchmarks;

import org.jspecify.annotations.NullMarked;
