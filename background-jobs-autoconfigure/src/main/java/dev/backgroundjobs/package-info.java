/**
 * Public API of background-jobs: annotate methods with
 * {@link dev.backgroundjobs.EventHandler}, publish events with
 * {@link dev.backgroundjobs.EventPublisher} and checkpoint work with
 * {@link dev.backgroundjobs.Step}.
 */
@NullMarked
package dev.backgroundjobs;

import org.jspecify.annotations.NullMarked;
