/**
 * Time control for integration tests: {@link TestClock} moves the engine's timers forward
 * so that durable sleeps, wait timeouts, retry backoffs and cron ticks fall due at once.
 */
@NullMarked
package dev.backgroundjobs.test.time;

import org.jspecify.annotations.NullMarked;
