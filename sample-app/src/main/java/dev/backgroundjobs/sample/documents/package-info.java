/**
 * Documents feature: upload a document over HTTP and summarise it in the background.
 */
@NullMarked
package dev.backgroundjobs.sample.documents;

import org.jspecify.annotations.NullMarked;
