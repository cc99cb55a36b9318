/**
 * Unit tests of functions without Kafka or a database: {@link TestStep} runs a handler
 * method with mocked steps and records what it did.
 */
@NullMarked
package dev.backgroundjobs.test;

import org.jspecify.annotations.NullMarked;
