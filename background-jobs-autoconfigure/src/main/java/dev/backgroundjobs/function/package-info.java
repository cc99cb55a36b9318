/**
 * Handler discovery: finds {@code @EventHandler} methods, validates them at start-up and
 * registers them as function definitions.
 */
@NullMarked
package dev.backgroundjobs.function;

import org.jspecify.annotations.NullMarked;
