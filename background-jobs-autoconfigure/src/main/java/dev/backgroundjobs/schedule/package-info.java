/**
 * Time-driven work: lease heartbeats and the due-work poller.
 */
@NullMarked
package dev.backgroundjobs.schedule;

import org.jspecify.annotations.NullMarked;
