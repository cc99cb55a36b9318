package dev.backgroundjobs.store;

import java.util.Map;
import java.util.TreeMap;

import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * A position in the log of one event name: an offset per partition. Partitions without an
 * offset start at {@code 0}, so a partition added later counts as wholly after the
 * position.
 *
 * @param offsets the offset of each partition
 */
public record EventLogPosition(Map<Integer, Long> offsets) {

	/**
	 * The start of every log: every event is at or past it.
	 */
	public static final EventLogPosition START = new EventLogPosition(Map.of());

	/**
	 * Creates a position.
	 * @param offsets the offset of each partition
	 */
	public EventLogPosition {
		Assert.notNull(offsets, "'offsets' must not be null");
		offsets = Map.copyOf(offsets);
	}

	/**
	 * Whether an event at the given place in the log is at or past this position.
	 * @param partition the event's partition
	 * @param offset the event's offset
	 * @return whether the event reached the broker at or after this position
	 */
	public boolean precedes(int partition, long offset) {
		return offset >= this.offsets.getOrDefault(partition, 0L);
	}

	/**
	 * Returns the earlier of this position and another, partition by partition.
	 * @param other the other position
	 * @return the earlier offset of each partition, {@code 0} where either has none
	 */
	public EventLogPosition earliest(EventLogPosition other) {
		Map<Integer, Long> earliest = new TreeMap<>();
		this.offsets.forEach((partition, offset) -> {
			Long theirs = other.offsets.get(partition);
			if (theirs != null) {
				earliest.put(partition, Math.min(offset, theirs));
			}
		});
		return new EventLogPosition(earliest);
	}

	/**
	 * Returns this position as text, such as {@code 0:12,1:7}, for {@link #parse}.
	 * @return the text
	 */
	public String format() {
		StringBuilder text = new StringBuilder();
		new TreeMap<>(this.offsets).forEach((partition, offset) -> {
			text.append((text.length() > 0) ? "," : "").append(partition).append(':').append(offset);
		});
		return text.toString();
	}

	/**
	 * Reads a position written by {@link #format()}.
	 * @param text the text
	 * @return the position
	 */
	public static EventLogPosition parse(String text) {
		Map<Integer, Long> offsets = new TreeMap<>();
		for (String entry : StringUtils.commaDelimitedListToStringArray(text)) {
			int colon = entry.indexOf(':');
			Assert.isTrue(colon > 0, () -> "Not an event log position: '" + text + "'");
			offsets.put(Integer.parseInt(entry.substring(0, colon).trim()),
					Long.parseLong(entry.substring(colon + 1).trim()));
		}
		return new EventLogPosition(offsets);
	}

}
