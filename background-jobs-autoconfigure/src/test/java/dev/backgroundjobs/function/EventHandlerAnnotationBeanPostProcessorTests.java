package dev.backgroundjobs.function;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.core.annotation.AliasFor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EventHandlerAnnotationBeanPostProcessor}.
 */
class EventHandlerAnnotationBeanPostProcessorTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(FunctionTestConfiguration.class);

	@Test
	void discoversTheHandlerMethodsOfEveryBean() {
		this.contextRunner.withBean("orders", OrderFunctions.class)
			.withBean("mails", MailFunctions.class)
			.run((context) -> assertThat(context.getBean(FunctionRegistry.class).functions())
				.extracting(FunctionDefinition::id)
				.containsExactlyInAnyOrder("orders.placed", "orders.cancelled", "send-mail"));
	}

	@Test
	void registersNothingWhenNoBeanHasHandlers() {
		this.contextRunner.withBean("plain", Plain.class)
			.run((context) -> assertThat(context.getBean(FunctionRegistry.class).functions()).isEmpty());
	}

	@Test
	void findsHandlersDeclaredOnSuperclassesAndInterfaces() {
		this.contextRunner.withBean("inherited", InheritingFunctions.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.functions()).extracting(FunctionDefinition::id)
				.containsExactlyInAnyOrder("from-superclass", "from-interface");
			assertThat(registry.find("from-interface").eventNames()).containsExactly("test/interface");
		});
	}

	@Test
	void findsHandlersMarkedWithAMetaAnnotation() {
		this.contextRunner.withBean("meta", MetaAnnotatedFunctions.class).run((context) -> {
			FunctionDefinition definition = context.getBean(FunctionRegistry.class).find("meta-annotated");
			assertThat(definition).isNotNull();
			assertThat(definition.eventNames()).containsExactly("test/meta");
			assertThat(definition.retries()).isEqualTo(7);
		});
	}

	@Test
	void invokesACglibProxiedBeanThroughItsProxy() {
		this.contextRunner.withUserConfiguration(CglibProxyConfiguration.class).run((context) -> {
			Calls calls = context.getBean(Calls.class);
			OrderFunctions proxy = context.getBean(OrderFunctions.class);
			assertThat(AopUtils.isCglibProxy(proxy)).isTrue();
			FunctionDefinition definition = context.getBean(FunctionRegistry.class).find("orders.placed");
			Object output = definition.invoker().invoke(TestInvocations.of("orders.placed", "{\"id\":\"o-1\"}"));
			assertThat(output).isEqualTo("placed o-1");
			assertThat(calls.intercepted).containsExactly("placed");
		});
	}

	@Test
	void invokesAJdkProxiedBeanThroughItsInterface() {
		this.contextRunner.withUserConfiguration(JdkProxyConfiguration.class).run((context) -> {
			Calls calls = context.getBean(Calls.class);
			assertThat(AopUtils.isJdkDynamicProxy(context.getBean(Greeter.class))).isTrue();
			FunctionDefinition definition = context.getBean(FunctionRegistry.class).find("greet");
			assertThat(definition.invoker().getMethod().getDeclaringClass()).isEqualTo(Greeter.class);
			Object output = definition.invoker().invoke(TestInvocations.of("greet", "\"Ada\""));
			assertThat(output).isEqualTo("Hello Ada");
			assertThat(calls.intercepted).containsExactly("greet");
		});
	}

	@Test
	void rejectsAJdkProxiedHandlerMethodThatIsNotOnAnInterface() {
		this.contextRunner.withUserConfiguration(JdkProxyWithClassOnlyMethodConfiguration.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.isInstanceOf(InvalidEventHandlerException.class)
				.hasMessageContaining("@EventHandler method '" + PoliteGreeter.class.getName() + ".farewell' "
						+ "of bean 'greeter'"));
	}

	@Test
	void collectsTheHandlersOfAScopedProxyOnceFromItsTarget() {
		this.contextRunner.withUserConfiguration(ScopedProxyConfiguration.class).run((context) -> {
			FunctionRegistry registry = context.getBean(FunctionRegistry.class);
			assertThat(registry.find("send-mail").beanName()).isEqualTo("mails");
			assertThat(registry.functions()).extracting(FunctionDefinition::id).containsExactly("send-mail");
			assertThat(registry.find("send-mail").invoker().invoke(TestInvocations.of("send-mail", "\"x\"")))
				.isEqualTo("sent x");
		});
	}

	record Order(String id) {
	}

	static class OrderFunctions {

		@EventHandler(event = "order/placed")
		String placed(Event<Order> event) {
			return "placed " + event.data().id();
		}

		@EventHandler(event = "order/cancelled")
		void cancelled(Event<Order> event, Step step) {
		}

	}

	static class MailFunctions {

		@EventHandler(id = "send-mail", event = "mail/requested")
		String send(Event<String> event) {
			return "sent " + event.data();
		}

	}

	static class Plain {

		void notAHandler() {
		}

	}

	static class BaseFunctions {

		@EventHandler(id = "from-superclass", event = "test/superclass")
		void inherited(Step step) {
		}

	}

	interface InterfaceFunctions {

		@EventHandler(id = "from-interface", event = "test/interface")
		void fromInterface(Step step);

	}

	static class InheritingFunctions extends BaseFunctions implements InterfaceFunctions {

		@Override
		public void fromInterface(Step step) {
		}

	}

	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@EventHandler(retries = 7)
	@interface TestEventHandler {

		@AliasFor(annotation = EventHandler.class)
		String id();

		@AliasFor(annotation = EventHandler.class)
		String[] event();

	}

	static class MetaAnnotatedFunctions {

		@TestEventHandler(id = "meta-annotated", event = "test/meta")
		void handle(Step step) {
		}

	}

	static class Calls {

		final List<String> intercepted = new ArrayList<>();

		MethodInterceptor interceptor() {
			return (invocation) -> {
				this.intercepted.add(invocation.getMethod().getName());
				return invocation.proceed();
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CglibProxyConfiguration {

		@Bean
		Calls calls() {
			return new Calls();
		}

		@Bean
		OrderFunctions orders(Calls calls) {
			ProxyFactory factory = new ProxyFactory(new OrderFunctions());
			factory.setProxyTargetClass(true);
			factory.addAdvice(calls.interceptor());
			return (OrderFunctions) factory.getProxy();
		}

	}

	interface Greeter {

		String greet(Event<String> event);

	}

	static class PoliteGreeter implements Greeter {

		@Override
		@EventHandler(id = "greet", event = "test/greet")
		public String greet(Event<String> event) {
			return "Hello " + event.data();
		}

		@EventHandler(id = "farewell", event = "test/farewell")
		public String farewell(Event<String> event) {
			return "Goodbye " + event.data();
		}

	}

	static class GreeterOnly implements Greeter {

		@Override
		@EventHandler(id = "greet", event = "test/greet")
		public String greet(Event<String> event) {
			return "Hello " + event.data();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class JdkProxyConfiguration {

		@Bean
		Calls calls() {
			return new Calls();
		}

		@Bean
		Greeter greeter(Calls calls) {
			ProxyFactory factory = new ProxyFactory(new GreeterOnly());
			factory.addInterface(Greeter.class);
			factory.addAdvice(calls.interceptor());
			return (Greeter) factory.getProxy();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class JdkProxyWithClassOnlyMethodConfiguration {

		@Bean
		Greeter greeter() {
			ProxyFactory factory = new ProxyFactory(new PoliteGreeter());
			factory.addInterface(Greeter.class);
			return (Greeter) factory.getProxy();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScopedProxyConfiguration {

		@Bean
		@Scope(proxyMode = ScopedProxyMode.TARGET_CLASS)
		MailFunctions mails() {
			return new MailFunctions();
		}

		@Bean
		Object mailsUser(MailFunctions mails) {
			return mails;
		}

	}

}
