package dev.backgroundjobs.jdbc;

import dev.backgroundjobs.store.KeyDigest;
import dev.backgroundjobs.store.NewRun;

/**
 * The stored form of the gates of {@link NewRun#gates()} in {@code bj_intake_gates}.
 */
final class JdbcIntakeGates {

	private JdbcIntakeGates() {
	}

	/**
	 * Returns the key of a gate of a function's runs: the SHA-256 of the function id, the
	 * gate's kind and its key, so that one short column indexes keys of any length and
	 * the gates of different functions and kinds count apart.
	 * @param functionId the function id
	 * @param gate the gate
	 * @return the hex digest
	 */
	static String digest(String functionId, NewRun.Gate gate) {
		return digest(functionId, gate.kind(), gate.key());
	}

	/**
	 * Returns the SHA-256 of a function id, a kind of flow control and a key, so that one
	 * short column indexes keys of any length and the keys of different functions and
	 * kinds stay apart.
	 * @param functionId the function id
	 * @param kind the kind of flow control
	 * @param key the key
	 * @return the hex digest
	 */
	static String digest(String functionId, String kind, String key) {
		return KeyDigest.sha256Hex(functionId + '\u0000' + kind + '\u0000' + key);
	}

}
