package dev.backgroundjobs.it;

import java.util.Map;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.engine.InstanceId;
import tools.jackson.databind.JsonNode;

/**
 * Cron-triggered handlers, used by {@link DurableStepsIntegrationTests}.
 */
class CronTestFunctions {

	private final Probe probe;

	private final InstanceId instance;

	CronTestFunctions(Probe probe, InstanceId instance) {
		this.probe = probe;
		this.instance = instance;
	}

	@EventHandler(id = "every-second", cron = "* * * * * *")
	void everySecond(Event<Map<String, Object>> event, Step step, RunContext context) {
		String tick = (String) event.data().get("tick");
		step.run("tick", () -> this.probe.hit(tick, context.functionId()));
		this.probe.ranOn(context.functionId(), this.instance.value());
	}

	@EventHandler(id = "hourly", cron = "@hourly", zone = "Europe/Paris")
	void hourly(Event<JsonNode> event, Step step) {
		String tick = event.data().get("tick").asString();
		step.run("tick", () -> this.probe.hit(tick, "hourly"));
	}

}
