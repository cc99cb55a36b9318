package dev.backgroundjobs.json;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.Assert;
import org.springframework.util.unit.DataSize;

/**
 * Encodes payloads, step results and outputs as JSON with the application's Jackson
 * mapper, enforcing a size limit, and decodes them to generic types.
 */
public final class PayloadCodec {

	private final JsonMapper mapper;

	private final int maxBytes;

	/**
	 * Creates a codec.
	 * @param mapper the mapper
	 * @param maxSize the largest encoded payload accepted
	 */
	public PayloadCodec(JsonMapper mapper, DataSize maxSize) {
		Assert.notNull(mapper, "'mapper' must not be null");
		Assert.isTrue(maxSize.toBytes() > 0 && maxSize.toBytes() <= Integer.MAX_VALUE, "'maxSize' must be positive");
		this.mapper = mapper;
		this.maxBytes = (int) maxSize.toBytes();
	}

	/**
	 * Encodes a value as JSON.
	 * @param value the value
	 * @param what what the value is, for error messages (for example {@code "output of
	 * step 'fetch' of run 42"})
	 * @return the JSON text
	 * @throws PayloadException if the value cannot be serialised or is over the size
	 * limit
	 */
	public String encode(@Nullable Object value, String what) {
		return new String(encodeToBytes(value, what), StandardCharsets.UTF_8);
	}

	/**
	 * Encodes a value as UTF-8 JSON bytes.
	 * @param value the value
	 * @param what what the value is, for error messages
	 * @return the JSON bytes
	 * @throws PayloadException if the value cannot be serialised or is over the size
	 * limit
	 */
	public byte[] encodeToBytes(@Nullable Object value, String what) {
		byte[] bytes;
		try {
			bytes = this.mapper.writeValueAsBytes(value);
		}
		catch (JacksonException ex) {
			throw new PayloadException("Cannot serialise " + what + " as JSON: " + ex.getOriginalMessage(), ex);
		}
		if (bytes.length > this.maxBytes) {
			throw new PayloadException("The " + what + " is " + bytes.length + " bytes of JSON, over the limit of "
					+ this.maxBytes + " (background-jobs.max-payload-size)", null);
		}
		return bytes;
	}

	/**
	 * Decodes JSON to the given type. A {@code String} target receives the text of a JSON
	 * string, or the JSON itself for any other value.
	 * @param json the JSON text
	 * @param type the target type, possibly generic
	 * @param what what the value is, for error messages
	 * @return the value
	 * @throws PayloadException if the JSON cannot be read as that type
	 */
	public @Nullable Object decode(String json, Type type, String what) {
		try {
			if (type == String.class) {
				JsonNode node = this.mapper.readTree(json);
				return node.isString() ? node.asString() : (node.isNull() ? null : json);
			}
			JavaType javaType = this.mapper.getTypeFactory().constructType(type);
			return this.mapper.readValue(json, javaType);
		}
		catch (JacksonException ex) {
			throw new PayloadException(
					"Cannot read " + what + " as " + type.getTypeName() + ": " + ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Checks that bytes are well-formed JSON.
	 * @param json the bytes
	 * @return the JSON text
	 * @throws PayloadException if they are not
	 */
	public String readJsonText(byte[] json) {
		try {
			this.mapper.readTree(json);
		}
		catch (JacksonException ex) {
			throw new PayloadException("Not valid JSON: " + ex.getOriginalMessage(), ex);
		}
		return new String(json, StandardCharsets.UTF_8);
	}

	/**
	 * Returns the mapper.
	 * @return the mapper
	 */
	public JsonMapper mapper() {
		return this.mapper;
	}

}
