package dev.backgroundjobs.it;

import java.util.List;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleTraceContext;
import io.micrometer.tracing.test.simple.SimpleTracer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A tracer that records spans in memory, with a propagator that carries the trace and
 * span ids in one header, wired into the application's observation registry the way
 * Spring Boot wires a real tracer.
 */
@Configuration(proxyBeanMethods = false)
class TestTracing {

	static final String HEADER = "test-trace";

	@Bean
	SimpleTracer tracer() {
		return new SimpleTracer();
	}

	@Bean
	ObservationRegistry observationRegistry(SimpleTracer tracer) {
		Propagator propagator = new HeaderPropagator(tracer);
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
					new DefaultTracingObservationHandler(tracer)));
		return registry;
	}

	private record HeaderPropagator(SimpleTracer tracer) implements Propagator {

		@Override
		public List<String> fields() {
			return List.of(HEADER);
		}

		@Override
		public <C> void inject(TraceContext context, C carrier, Setter<C> setter) {
			setter.set(carrier, HEADER, context.traceId() + "/" + context.spanId());
		}

		@Override
		public <C> Span.Builder extract(C carrier, Getter<C> getter) {
			String value = getter.get(carrier, HEADER);
			if (value == null) {
				return this.tracer.spanBuilder();
			}
			String[] ids = value.split("/");
			SimpleTraceContext parent = new SimpleTraceContext();
			parent.setTraceId(ids[0]);
			parent.setSpanId(ids[1]);
			parent.setSampled(true);
			return this.tracer.spanBuilder().setParent(parent);
		}

	}

}
