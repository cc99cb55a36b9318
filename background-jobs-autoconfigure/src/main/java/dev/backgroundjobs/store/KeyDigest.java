package dev.backgroundjobs.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 digest, as 64 lowercase hex digits, by which stores index keys of any
 * length (event values, flow-control keys) in one short column.
 */
public final class KeyDigest {

	private KeyDigest() {
	}

	/**
	 * Returns the SHA-256 of a text's UTF-8 bytes.
	 * @param text the text
	 * @return the digest, 64 lowercase hex digits
	 */
	public static String sha256Hex(String text) {
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

}
