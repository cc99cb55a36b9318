/**
 * In-process Kafka broker that the sample starts when no cluster is configured.
 */
@NullMarked
package dev.backgroundjobs.sample.kafka;

import org.jspecify.annotations.NullMarked;
