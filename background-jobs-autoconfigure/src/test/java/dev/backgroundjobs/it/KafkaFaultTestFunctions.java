package dev.backgroundjobs.it;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Handlers used by {@link KafkaFaultsIntegrationTests}.
 */
@Configuration(proxyBeanMethods = false)
class KafkaFaultTestFunctions {

	@Bean
	Handlers kafkaFaultHandlers(Probe probe) {
		return new Handlers(probe);
	}

	static class Handlers {

		private final Probe probe;

		Handlers(Probe probe) {
			this.probe = probe;
		}

		@EventHandler(id = "outage", event = "kafka/outage")
		void outage(Event<Job> event, Step step) {
			step.run("only", () -> this.probe.hit(event.id(), "outage"));
		}

		/**
		 * Named like the internal consumer that resolves event waits.
		 */
		@EventHandler(id = "event-waits", event = "kafka/named-like-internal")
		void namedLikeInternal(Event<Job> event, Step step) {
			step.run("only", () -> this.probe.hit(event.id(), "event-waits"));
		}

		@EventHandler(id = "intake", event = "kafka/intake")
		void intake(Event<Job> event, Step step) {
			step.run("only", () -> this.probe.hit(event.id(), "intake"));
		}

		@EventHandler(id = "doomed", event = "kafka/doomed", retries = 0)
		void doomed(Event<Job> event, Step step) {
			step.run("fails", () -> {
				Job job = event.data();
				throw new IllegalStateException("Doomed: " + job.key() + "!".repeat((int) job.sleepMillis()));
			});
		}

	}

}
