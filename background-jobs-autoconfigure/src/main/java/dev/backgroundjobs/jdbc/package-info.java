/**
 * JDBC implementation of the store SPI, with
 * {@link dev.backgroundjobs.jdbc.DatabaseDialect} as the one place that knows how the
 * supported databases differ.
 */
@NullMarked
package dev.backgroundjobs.jdbc;

import org.jspecify.annotations.NullMarked;
