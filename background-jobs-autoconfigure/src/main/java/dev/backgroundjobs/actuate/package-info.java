/**
 * Actuator endpoint {@code jobs}: background functions, their runs and dead letters.
 */
@NullMarked
package dev.backgroundjobs.actuate;

import org.jspecify.annotations.NullMarked;
