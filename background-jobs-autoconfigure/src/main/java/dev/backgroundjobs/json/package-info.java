/**
 * JSON encoding of event payloads, step results and run outputs.
 */
@NullMarked
package dev.backgroundjobs.json;

import org.jspecify.annotations.NullMarked;
