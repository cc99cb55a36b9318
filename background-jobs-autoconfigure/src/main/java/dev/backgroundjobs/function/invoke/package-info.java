/**
 * Calling handler methods: one argument resolver per supported parameter type.
 */
@NullMarked
package dev.backgroundjobs.function.invoke;

import org.jspecify.annotations.NullMarked;
