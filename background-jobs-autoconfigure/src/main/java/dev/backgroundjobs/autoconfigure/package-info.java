/**
 * Auto-configuration for background-jobs, its configuration properties and the
 * initialisation of its database schema.
 */
@NullMarked
package dev.backgroundjobs.autoconfigure;

import org.jspecify.annotations.NullMarked;
