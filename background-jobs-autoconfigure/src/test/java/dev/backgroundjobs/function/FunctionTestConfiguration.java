package dev.backgroundjobs.function;

import dev.backgroundjobs.json.PayloadCodec;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * Declares handler discovery the way the auto-configuration does, with 4 default retries.
 */
@Configuration(proxyBeanMethods = false)
class FunctionTestConfiguration {

	static final int DEFAULT_RETRIES = 4;

	@Bean
	static EventHandlerAnnotationBeanPostProcessor eventHandlerAnnotationBeanPostProcessor() {
		return new EventHandlerAnnotationBeanPostProcessor();
	}

	@Bean
	FunctionRegistry functionRegistry() {
		return new FunctionRegistry();
	}

	@Bean
	FunctionRegistrar functionRegistrar(FunctionRegistry registry, EventHandlerAnnotationBeanPostProcessor processor,
			ListableBeanFactory beans) {
		PayloadCodec codec = new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1));
		// Flow control overrides are beans named by the id of their function.
		return new FunctionRegistrar(registry, processor, codec, FunctionRetrySettings.of(DEFAULT_RETRIES),
				beans.getBeansOfType(FlowControlOverrides.class));
	}

}
