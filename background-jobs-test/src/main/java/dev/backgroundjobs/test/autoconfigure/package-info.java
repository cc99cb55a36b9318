/**
 * Auto-configuration of the test support beans in a {@code @SpringBootTest}.
 */
@NullMarked
package dev.backgroundjobs.test.autoconfigure;

import org.jspecify.annotations.NullMarked;
