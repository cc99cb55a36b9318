package dev.backgroundjobs.sample.kafka;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * Starts a real Kafka broker in this JVM when the application sets no
 * {@code spring.kafka.bootstrap-servers}, so that the sample runs with no set-up.
 * <p>
 * The broker is a development convenience: it comes from {@code spring-kafka-test}, an
 * optional dependency of the sample that {@code ./mvnw spring-boot:run} and the tests put
 * on the classpath and the packaged jar leaves out, so a deployed sample carries no Kafka
 * server or Scala jars. Without it on the classpath nothing is started, and the
 * application connects to {@code spring.kafka.bootstrap-servers} as any other would.
 * <p>
 * The initializer runs before the context is refreshed, so the broker is up and
 * {@code spring.kafka.bootstrap-servers} points at it before any auto-configuration reads
 * the property. The broker is a single KRaft node on a free port (or
 * {@code sample.kafka.embedded.port}) that keeps its logs in a temporary directory, so
 * events do not survive a restart. It is registered as the {@code embeddedKafkaBroker}
 * bean and is destroyed after every other bean, once the Kafka clients have been closed.
 * <p>
 * Set {@code spring.kafka.bootstrap-servers} (or {@code SPRING_KAFKA_BOOTSTRAPSERVERS})
 * to use your own cluster instead; nothing is started then.
 */
public class EmbeddedKafkaInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	/**
	 * Name of the bean that holds the broker.
	 */
	public static final String BEAN_NAME = "embeddedKafkaBroker";

	static final String BOOTSTRAP_SERVERS = "spring.kafka.bootstrap-servers";

	static final String EMBEDDED_BOOTSTRAP_SERVERS = "sample.kafka.embedded.bootstrap-servers";

	static final String PORT = "sample.kafka.embedded.port";

	static final String PARTITIONS = "sample.kafka.embedded.partitions";

	private static final String BROKER_CLASS = "org.springframework.kafka.test.EmbeddedKafkaKraftBroker";

	private static final int DEFAULT_PARTITIONS = 3;

	private static final String PROPERTY_SOURCE_NAME = "embeddedKafka";

	private static final Log logger = LogFactory.getLog(EmbeddedKafkaInitializer.class);

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		ConfigurableEnvironment environment = context.getEnvironment();
		Binder binder = Binder.get(environment);
		if (binder.bind(BOOTSTRAP_SERVERS, Bindable.listOf(String.class)).isBound()) {
			return;
		}
		if (!ClassUtils.isPresent(BROKER_CLASS, context.getClassLoader())) {
			logger.warn("No " + BOOTSTRAP_SERVERS + " is set and no in-process broker is on the classpath "
					+ "(spring-kafka-test, which only development runs have): set " + BOOTSTRAP_SERVERS);
			return;
		}
		int port = binder.bind(PORT, Integer.class).orElse(0);
		int partitions = binder.bind(PARTITIONS, Integer.class).orElse(DEFAULT_PARTITIONS);
		String bootstrapServers = Broker.start(context, port, partitions);
		environment.getPropertySources()
			.addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of(BOOTSTRAP_SERVERS, bootstrapServers)));
		logger.info("Started an in-process Kafka broker at " + bootstrapServers + "; set " + BOOTSTRAP_SERVERS
				+ " to use your own");
	}

	/**
	 * The code that touches the broker's classes, loaded only when they are present.
	 */
	private static final class Broker {

		private Broker() {
		}

		static String start(ConfigurableApplicationContext context, int port, int partitions) {
			EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions).kafkaPorts(port);
			// The broker writes its address to a system property, by default
			// spring.kafka.bootstrap-servers, and never clears it. That would point every
			// later context in this JVM (the next test's, say) at this broker, even once
			// it is gone. The address goes to this context's environment instead.
			broker.brokerListProperty(EMBEDDED_BOOTSTRAP_SERVERS);
			broker.afterPropertiesSet();
			register(context, broker);
			return broker.getBrokersAsString();
		}

		private static void register(ConfigurableApplicationContext context, EmbeddedKafkaKraftBroker broker) {
			Assert.state(context.getBeanFactory() instanceof DefaultListableBeanFactory,
					"Expected a DefaultListableBeanFactory to register the embedded Kafka broker");
			DefaultListableBeanFactory beanFactory = (DefaultListableBeanFactory) context.getBeanFactory();
			beanFactory.registerSingleton(BEAN_NAME, broker);
			// Disposable beans are destroyed in reverse order of registration. Registered
			// before any other bean exists, the broker outlives the producers, consumers
			// and admin clients that talk to it, both on close and when the refresh
			// fails.
			beanFactory.registerDisposableBean(BEAN_NAME, broker);
		}

	}

}
