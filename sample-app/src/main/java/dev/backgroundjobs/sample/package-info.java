/**
 * Sample application for background-jobs, one package per feature.
 */
@NullMarked
package dev.backgroundjobs.sample;

import org.jspecify.annotations.NullMarked;
