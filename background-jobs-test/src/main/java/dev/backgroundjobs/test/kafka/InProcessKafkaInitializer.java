package dev.backgroundjobs.test.kafka;

import java.util.Map;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Points {@code spring.kafka.bootstrap-servers} at the {@link InProcessKafka} broker,
 * unless the test sets it. Apply it to a {@code @SpringBootTest} with
 * {@code @ContextConfiguration(initializers = InProcessKafkaInitializer.class)}; a test
 * whose Kafka comes from a {@code @ServiceConnection} container does not need it.
 */
public class InProcessKafkaInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	private static final String BOOTSTRAP_SERVERS = "spring.kafka.bootstrap-servers";

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		Binder binder = Binder.get(context.getEnvironment());
		if (binder.bind(BOOTSTRAP_SERVERS, Bindable.listOf(String.class)).isBound()) {
			return;
		}
		// Last: any property source of the test, even one added later, wins.
		context.getEnvironment()
			.getPropertySources()
			.addLast(new MapPropertySource("inProcessKafka",
					Map.of(BOOTSTRAP_SERVERS, InProcessKafka.bootstrapServers())));
	}

}
