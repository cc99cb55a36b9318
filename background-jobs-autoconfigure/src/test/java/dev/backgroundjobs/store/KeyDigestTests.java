package dev.backgroundjobs.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KeyDigest}.
 */
class KeyDigestTests {

	@Test
	void sha256HexIsTheDigestOfTheUtf8BytesInLowercaseHex() {
		// The FIPS 180-2 test vector.
		assertThat(KeyDigest.sha256Hex("abc"))
			.isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		assertThat(KeyDigest.sha256Hex("é")).isNotEqualTo(KeyDigest.sha256Hex("e")).hasSize(64);
	}

}
