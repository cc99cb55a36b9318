/**
 * Auto-configuration of background-jobs: the engine, the Kafka transport, the JDBC store
 * and its schema.
 */
@NullMarked
package dev.backgroundjobs.autoconfigure;

import org.jspecify.annotations.NullMarked;
