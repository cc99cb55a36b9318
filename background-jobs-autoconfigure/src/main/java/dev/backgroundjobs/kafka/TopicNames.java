package dev.backgroundjobs.kafka;

import org.springframework.util.Assert;

/**
 * Names the Kafka topics of events and dead letters, and the consumer groups of functions
 * and of the starter's internal consumers.
 * <p>
 * An event name becomes {@code <prefix>.<name>} with {@code /} turned into {@code .} and
 * any other character Kafka does not allow into {@code _}. Two event names may map to the
 * same topic; consumers filter records by the event-name header, so that only costs
 * bandwidth.
 */
public final class TopicNames {

	private static final int MAX_TOPIC_LENGTH = 249;

	private static final char INTERNAL_GROUP_SEPARATOR = '#';

	private final String prefix;

	private final String groupPrefix;

	/**
	 * Creates topic names.
	 * @param prefix the topic prefix
	 * @param groupPrefix the consumer group prefix
	 */
	public TopicNames(String prefix, String groupPrefix) {
		Assert.hasText(prefix, "'prefix' must not be empty");
		Assert.hasText(groupPrefix, "'groupPrefix' must not be empty");
		this.prefix = sanitize(prefix);
		this.groupPrefix = groupPrefix;
	}

	/**
	 * Returns the topic that carries events with the given name.
	 * @param eventName the event name
	 * @return the topic
	 */
	public String forEvent(String eventName) {
		Assert.hasText(eventName, "'eventName' must not be empty");
		String topic = this.prefix + "." + sanitize(eventName.replace('/', '.'));
		if (topic.length() > MAX_TOPIC_LENGTH) {
			throw new IllegalArgumentException("Event name '" + eventName + "' is too long: its topic name would be "
					+ topic.length() + " characters, over Kafka's limit of " + MAX_TOPIC_LENGTH);
		}
		return topic;
	}

	/**
	 * Returns the prefix of every topic of the application.
	 * @return the prefix
	 */
	public String prefix() {
		return this.prefix;
	}

	/**
	 * Returns the dead-letter topic.
	 * @return the topic
	 */
	public String deadLetters() {
		return this.prefix + ".dead-letters";
	}

	/**
	 * Returns the consumer group of a function: {@code <group prefix>.<function id>}.
	 * @param functionId the function id
	 * @return the group id
	 */
	public String functionGroup(String functionId) {
		return this.groupPrefix + "." + functionId;
	}

	/**
	 * Returns the consumer group of an internal consumer of the starter (such as the one
	 * that resolves event waits): {@code <group prefix>#<name>}. Function ids cannot
	 * contain {@code #}, so no function's group can be an internal one, whatever the
	 * function is called.
	 * @param name the internal consumer's name
	 * @return the group id
	 */
	public String groupFor(String name) {
		return this.groupPrefix + INTERNAL_GROUP_SEPARATOR + name;
	}

	private static String sanitize(String name) {
		StringBuilder result = new StringBuilder(name.length());
		for (char c : name.toCharArray()) {
			boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
					|| c == '_' || c == '-';
			result.append(legal ? c : '_');
		}
		return result.toString();
	}

}
