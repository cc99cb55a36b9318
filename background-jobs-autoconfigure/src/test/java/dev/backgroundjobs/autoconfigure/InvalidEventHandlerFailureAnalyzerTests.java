package dev.backgroundjobs.autoconfigure;

import java.util.List;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.function.EventHandlerAnnotationBeanPostProcessor;
import dev.backgroundjobs.function.FunctionRegistrar;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.InvalidEventHandlerException;
import dev.backgroundjobs.json.PayloadCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link InvalidEventHandlerFailureAnalyzer}.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidEventHandlerFailureAnalyzerTests {

	@Test
	void describesASingleProblem() {
		InvalidEventHandlerException failure = new InvalidEventHandlerException(List.of("problem one"));
		FailureAnalysis analysis = new InvalidEventHandlerFailureAnalyzer()
			.analyze(new BeanCreationException("wrapper", failure));
		assertThat(analysis.getDescription())
			.isEqualTo("An @EventHandler method is not valid:%n%n\t- problem one".formatted());
		assertThat(analysis.getAction()).startsWith("Correct the @EventHandler declarations listed above:")
			.contains("Event<T>, Step and RunContext");
		assertThat(analysis.getCause()).isSameAs(failure);
	}

	@Test
	void describesEveryProblem() {
		FailureAnalysis analysis = new InvalidEventHandlerFailureAnalyzer()
			.analyze(new InvalidEventHandlerException(List.of("problem one", "problem two")));
		assertThat(analysis.getDescription()).startsWith("2 @EventHandler declarations are not valid:")
			.contains("\t- problem one")
			.contains("\t- problem two");
	}

	@Test
	void isRegisteredSoThatStartUpFailuresAreReported(CapturedOutput output) {
		assertThatExceptionOfType(InvalidEventHandlerException.class).isThrownBy(
				() -> new SpringApplicationBuilder(InvalidConfiguration.class).web(WebApplicationType.NONE).run());
		assertThat(output).contains("An @EventHandler method is not valid:")
			.contains("attribute 'retries' is -5")
			.contains("Correct the @EventHandler declarations listed above:");
	}

	@Configuration(proxyBeanMethods = false)
	static class InvalidConfiguration {

		@Bean
		static EventHandlerAnnotationBeanPostProcessor eventHandlerAnnotationBeanPostProcessor() {
			return new EventHandlerAnnotationBeanPostProcessor();
		}

		@Bean
		FunctionRegistry functionRegistry() {
			return new FunctionRegistry();
		}

		@Bean
		FunctionRegistrar functionRegistrar(FunctionRegistry registry,
				EventHandlerAnnotationBeanPostProcessor processor) {
			return new FunctionRegistrar(registry, processor,
					new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1)), 4);
		}

		@Bean
		InvalidHandlers invalidHandlers() {
			return new InvalidHandlers();
		}

	}

	static class InvalidHandlers {

		@EventHandler(event = "e", retries = -5)
		void handle() {
		}

	}

}
