/**
 * A small application on the starter, run as separate processes by the fault-injection
 * suite.
 */
@NullMarked
package dev.backgroundjobs.faults.app;

import org.jspecify.annotations.NullMarked;
