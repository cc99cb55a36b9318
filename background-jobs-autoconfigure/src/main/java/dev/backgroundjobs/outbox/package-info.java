/**
 * The transactional outbox: events sent inside a transaction are written to the database
 * with the caller's own writes and relayed to Kafka right after the commit.
 */
@NullMarked
package dev.backgroundjobs.outbox;

import org.jspecify.annotations.NullMarked;
