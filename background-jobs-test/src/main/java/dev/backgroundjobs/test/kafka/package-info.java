/**
 * A real Kafka broker in the test JVM, so that integration tests need no Kafka server and
 * the application needs no broker dependency outside its tests.
 */
@NullMarked
package dev.backgroundjobs.test.kafka;

import org.jspecify.annotations.NullMarked;
