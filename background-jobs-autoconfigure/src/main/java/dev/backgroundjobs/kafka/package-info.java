/**
 * Kafka transport: publishing events, one consumer group per function recording runs, and
 * the dead-letter topic.
 */
@NullMarked
package dev.backgroundjobs.kafka;

import org.jspecify.annotations.NullMarked;
