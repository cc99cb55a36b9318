package dev.backgroundjobs.engine;

import java.util.Map;

import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.RunRecord;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * Observations of runs and steps (Micrometer Observation API): a run continues the trace
 * of the request that published its event, from the propagation headers stored with the
 * run, and each step is a child of its run. With a tracer they become spans; with a meter
 * registry they become the {@code background-jobs.run} and {@code background-jobs.step}
 * timers. Without either they cost next to nothing.
 */
public final class RunObservations {

	/**
	 * Name of the observation of one execution of a run.
	 */
	public static final String RUN = "background-jobs.run";

	/**
	 * Name of the observation of one attempt of a step.
	 */
	public static final String STEP = "background-jobs.step";

	private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
	};

	private final ObservationRegistry registry;

	private final PayloadCodec codec;

	/**
	 * Creates the observations.
	 * @param registry the registry
	 * @param codec reads stored propagation headers
	 */
	public RunObservations(ObservationRegistry registry, PayloadCodec codec) {
		this.registry = registry;
		this.codec = codec;
	}

	Observation startRun(RunRecord run) {
		ReceiverContext<Map<String, String>> context = new ReceiverContext<>(Map::get);
		context.setCarrier(headers(run.traceContext()));
		context.setRemoteServiceName("background-jobs");
		return Observation.createNotStarted(RUN, () -> context, this.registry)
			.contextualName("run " + run.functionId())
			.lowCardinalityKeyValue("function", run.functionId())
			.highCardinalityKeyValue("run.id", run.runId())
			.start();
	}

	/**
	 * Returns the observation open on the calling thread, to open it on another.
	 * @return the observation, or {@code null}
	 */
	@Nullable Observation current() {
		return this.registry.getCurrentObservation();
	}

	Observation startStep(String functionId, String stepId) {
		return Observation.createNotStarted(STEP, this.registry)
			.contextualName("step " + stepId)
			.lowCardinalityKeyValue("function", functionId)
			.lowCardinalityKeyValue("step", stepId)
			.start();
	}

	private Map<String, String> headers(@Nullable String traceContext) {
		if (traceContext == null || traceContext.isEmpty()) {
			return Map.of();
		}
		try {
			return this.codec.mapper().readValue(traceContext, HEADERS);
		}
		catch (JacksonException ex) {
			return Map.of();
		}
	}

}
