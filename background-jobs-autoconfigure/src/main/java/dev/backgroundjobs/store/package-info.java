/**
 * Storage SPI for runs, steps and dead letters, with the row models; no SQL here.
 */
@NullMarked
package dev.backgroundjobs.store;

import org.jspecify.annotations.NullMarked;
