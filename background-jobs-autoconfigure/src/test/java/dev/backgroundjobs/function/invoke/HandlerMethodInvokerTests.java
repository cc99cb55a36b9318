package dev.backgroundjobs.function.invoke;

import java.util.Optional;

import java.time.Duration;

import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link HandlerMethodInvoker} and the argument resolvers.
 */
class HandlerMethodInvokerTests {

	private static final Instant TIMESTAMP = Instant.parse("2025-01-01T12:00:00Z");

	private final HandlerMethodInvokerFactory factory = HandlerMethodInvokerFactory
		.withDefaultResolvers(new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1)));

	private final Handlers handlers = new Handlers();

	private final Step step = new NoStep();

	private final RunContext context = new RunContext("run-1", "test-function", "event-1", 2);

	@Test
	void parametersAreResolvedInAnyOrder() throws Exception {
		invoke("anyOrder", "{\"id\":\"d-1\",\"pages\":3}");
		assertThat(this.handlers.arguments).hasSize(3);
		assertThat(this.handlers.arguments.get(0)).isSameAs(this.context);
		assertThat(this.handlers.arguments.get(1)).isSameAs(this.step);
		assertThat(this.handlers.arguments.get(2))
			.isEqualTo(new Event<>("event-1", "doc/uploaded", new Document("d-1", 3), TIMESTAMP));
	}

	@Test
	void recordPayloadIsDecoded() throws Exception {
		assertThat(invoke("record", "{\"id\":\"d-1\",\"pages\":3}")).isEqualTo(new Document("d-1", 3));
	}

	@Test
	void pojoPayloadIsDecoded() throws Exception {
		Object data = invoke("pojo", "{\"name\":\"Ada\",\"age\":36}");
		assertThat(data).isInstanceOfSatisfying(Person.class, (person) -> {
			assertThat(person.getName()).isEqualTo("Ada");
			assertThat(person.getAge()).isEqualTo(36);
		});
	}

	@Test
	void mapPayloadIsDecoded() throws Exception {
		assertThat(invoke("map", "{\"a\":1,\"b\":\"two\"}")).isEqualTo(Map.of("a", 1, "b", "two"));
	}

	@Test
	void jsonNodePayloadIsDecoded() throws Exception {
		Object data = invoke("jsonNode", "{\"a\":[1,2]}");
		assertThat(data).isInstanceOfSatisfying(JsonNode.class,
				(node) -> assertThat(node.get("a").get(1).asInt()).isEqualTo(2));
	}

	@Test
	void stringPayloadReceivesTheTextOfAJsonString() throws Exception {
		assertThat(invoke("string", "\"hello\"")).isEqualTo("hello");
	}

	@Test
	void stringPayloadReceivesTheJsonOfAnyOtherValue() throws Exception {
		assertThat(invoke("string", "{\"a\":1}")).isEqualTo("{\"a\":1}");
	}

	@Test
	void rawEventReceivesAJsonNode() throws Exception {
		assertThat(invoke("raw", "{\"a\":1}")).isInstanceOf(JsonNode.class);
	}

	@Test
	void wildcardEventReceivesAJsonNode() throws Exception {
		assertThat(invoke("wildcard", "[1,2]")).isInstanceOf(JsonNode.class);
	}

	@Test
	void genericPayloadIsDecodedWithItsTypeArguments() throws Exception {
		assertThat(invoke("list", "[{\"id\":\"a\",\"pages\":1},{\"id\":\"b\",\"pages\":2}]"))
			.isEqualTo(List.of(new Document("a", 1), new Document("b", 2)));
	}

	@Test
	void payloadTypeDeclaredByASuperclassIsResolvedAgainstTheBeanClass() throws Exception {
		DocumentHandler handler = new DocumentHandler();
		Method method = ReflectionUtils.findMethod(DocumentHandler.class, "handle", Event.class);
		HandlerMethodInvoker invoker = this.factory.create(handler, method, DocumentHandler.class, method);
		Object data = invoker.invoke(invocation("[{\"id\":\"a\",\"pages\":1}]"));
		assertThat(data).isEqualTo(List.of(new Document("a", 1)));
	}

	@Test
	void returnValueIsPassedBack() throws Exception {
		assertThat(invoke("output", "{}")).isEqualTo("processed event-1 on attempt 2");
	}

	@Test
	void voidHandlerReturnsNull() throws Exception {
		assertThat(invoke("nothing", "{}")).isNull();
	}

	@Test
	void checkedExceptionOfTheHandlerIsRethrownUnwrapped() {
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> invoke("failsChecked", "{}"))
			.withMessage("disk on fire");
	}

	@Test
	void runtimeExceptionOfTheHandlerIsRethrownUnwrapped() {
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> invoke("failsUnchecked", "{}"))
			.withMessage("bad state");
	}

	@Test
	void payloadThatCannotBeReadGivesAnErrorNamingTheFunctionAndEvent() {
		assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> invoke("record", "{\"pages\":\"many\"}"))
			.withMessageStartingWith("Cannot read the data of event 'doc/uploaded' (id event-1) for function "
					+ "'test-function' as " + Document.class.getName() + ": ");
	}

	@Test
	void nullPayloadGivesAClearError() {
		assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> invoke("string", "null"))
			.withMessage("Cannot read the data of event 'doc/uploaded' (id event-1) for function 'test-function': "
					+ "it is JSON null and an Event requires data; publish a non-null payload");
	}

	private @Nullable Object invoke(String methodName, String dataJson) throws Exception {
		Method method = Arrays.stream(Handlers.class.getDeclaredMethods())
			.filter((candidate) -> candidate.getName().equals(methodName))
			.findFirst()
			.orElseThrow();
		HandlerMethodInvoker invoker = this.factory.create(this.handlers, method, Handlers.class, method);
		return invoker.invoke(invocation(dataJson));
	}

	private Invocation invocation(String dataJson) {
		return new Invocation(this.context, this.step, new StoredEvent("event-1", "doc/uploaded", dataJson, TIMESTAMP));
	}

	record Document(String id, int pages) {
	}

	static class Person {

		private String name;

		private int age;

		String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		int getAge() {
			return this.age;
		}

		public void setAge(int age) {
			this.age = age;
		}

	}

	static class Handlers {

		final List<Object> arguments = new java.util.ArrayList<>();

		void anyOrder(RunContext context, Step step, Event<Document> event) {
			this.arguments.addAll(List.of(context, step, event));
		}

		Document record(Event<Document> event) {
			return event.data();
		}

		Person pojo(Event<Person> event) {
			return event.data();
		}

		Map<String, Object> map(Event<Map<String, Object>> event) {
			return event.data();
		}

		JsonNode jsonNode(Event<JsonNode> event) {
			return event.data();
		}

		String string(Event<String> event) {
			return event.data();
		}

		@SuppressWarnings("rawtypes")
		Object raw(Event event) {
			return event.data();
		}

		Object wildcard(Event<?> event) {
			return event.data();
		}

		List<Document> list(Event<List<Document>> event) {
			return event.data();
		}

		String output(RunContext context, Event<Map<String, Object>> event) {
			return "processed " + event.id() + " on attempt " + context.attempt();
		}

		void nothing(Step step) {
		}

		void failsChecked() throws IOException {
			throw new IOException("disk on fire");
		}

		void failsUnchecked() {
			throw new IllegalStateException("bad state");
		}

	}

	abstract static class PayloadHandler<T> {

		T handle(Event<T> event) {
			return event.data();
		}

	}

	static class DocumentHandler extends PayloadHandler<List<Document>> {

	}

	static class NoStep implements Step {

		@Override
		public <T> T run(String id, Class<T> type, Callable<T> action) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void run(String id, Action action) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void sleep(String id, Duration duration) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void sleepUntil(String id, Instant time) {
			throw new UnsupportedOperationException();
		}

		@Override
		public String sendEvent(String id, String name, Object data) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> T invoke(String id, String functionId, Object data, Class<T> type) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout,
				String match) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Step withRetry(RetryPolicy policy) {
			return this;
		}

		@Override
		public <T> T run(String id, ParameterizedTypeReference<T> type, Callable<T> action) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type,
				Duration timeout, String match) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T> List<T> parallel(String id, List<? extends Branch<? extends T>> branches) {
			throw new UnsupportedOperationException();
		}

	}

}
