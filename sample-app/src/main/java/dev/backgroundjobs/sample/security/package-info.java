/**
 * Security feature: Actuator reads stay open, Actuator writes need an operator.
 */
@NullMarked
package dev.backgroundjobs.sample.security;

import org.jspecify.annotations.NullMarked;
