package dev.backgroundjobs.test.runs;

import java.util.List;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * A run as the engine stored it, with its steps.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param eventId the id of the triggering event
 * @param status the run's status
 * @param attempt how many times its execution has started; it grows when the run resumes
 * after a sleep, a wait or a retry backoff, or is taken over from another instance
 * @param output the handler's return value as JSON, once completed
 * @param error the last error, if any
 * @param steps the stored steps
 */
public record RecordedRun(String runId, String functionId, String eventId, RunStatus status, int attempt,
		@Nullable String output, @Nullable String error, List<RecordedStep> steps) {

	private static final JsonMapper mapper = JsonMapper.builder().build();

	/**
	 * Reads the output as a value of a type.
	 * @param <T> the type
	 * @param type the type, as the handler's return type
	 * @return the output, or {@code null} if there is none
	 */
	public <T> @Nullable T output(Class<T> type) {
		return (this.output != null) ? mapper.readValue(this.output, type) : null;
	}

	/**
	 * Returns the ids of the stored steps.
	 * @return the step ids
	 */
	public List<String> stepIds() {
		return this.steps.stream().map(RecordedStep::id).toList();
	}

	/**
	 * Describes the run with its steps and errors, one step a line.
	 * @return the description
	 */
	public String describe() {
		StringBuilder text = new StringBuilder("run " + this.runId + " of function '" + this.functionId
				+ "' for event '" + this.eventId + "' is " + this.status);
		if (this.error != null) {
			text.append(" with error: ").append(this.error);
		}
		if (this.steps.isEmpty()) {
			text.append("\n  (no steps)");
		}
		this.steps.forEach((step) -> text.append("\n  - ").append(step));
		return text.toString();
	}

}
