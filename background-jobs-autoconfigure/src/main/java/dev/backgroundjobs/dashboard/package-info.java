/**
 * The web dashboard: a small JSON API under the dashboard's path, backed by the stores
 * the {@code jobs} endpoint reads, and the static pages that call it.
 */
@NullMarked
package dev.backgroundjobs.dashboard;

import org.jspecify.annotations.NullMarked;
