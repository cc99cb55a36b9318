package dev.backgroundjobs.kafka;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jspecify.annotations.Nullable;

/**
 * Encodes the headers of a poison record as bytes for its dead letter, so that the record
 * is relayed to the dead-letter topic with the headers it came with: a count, then each
 * header's name (modified UTF-8) and value (length, or -1 for none, and bytes).
 */
final class RecordHeadersCodec {

	private RecordHeadersCodec() {
	}

	static byte[] encode(Headers headers) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			Header[] all = headers.toArray();
			out.writeInt(all.length);
			for (Header header : all) {
				out.writeUTF(header.key());
				byte[] value = header.value();
				out.writeInt((value != null) ? value.length : -1);
				if (value != null) {
					out.write(value);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

	static List<Header> decode(byte @Nullable [] encoded) {
		if (encoded == null) {
			return List.of();
		}
		List<Header> headers = new ArrayList<>();
		try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
			int count = in.readInt();
			for (int i = 0; i < count; i++) {
				String key = in.readUTF();
				int length = in.readInt();
				byte[] value = (length >= 0) ? in.readNBytes(length) : null;
				headers.add(new RecordHeader(key, value));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Headers of a dead letter cannot be read", ex);
		}
		return headers;
	}

}
