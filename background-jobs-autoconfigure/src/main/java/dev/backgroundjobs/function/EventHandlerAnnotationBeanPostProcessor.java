package dev.backgroundjobs.function;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.EventHandler;

import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.log.LogAccessor;

/**
 * Collects the {@link EventHandler @EventHandler} methods of every bean as it is
 * initialised. It only collects: the {@link FunctionRegistrar} validates and registers
 * them once all singletons exist, so that every problem is reported together.
 * <p>
 * Register it from a {@code static} {@code @Bean} method so that it does not force the
 * early creation of the configuration class that declares it. It runs after the proxy
 * creators, so a proxied bean's functions are invoked through its proxy.
 */
public class EventHandlerAnnotationBeanPostProcessor implements BeanPostProcessor, Ordered {

	private static final LogAccessor logger = new LogAccessor(EventHandlerAnnotationBeanPostProcessor.class);

	private final Set<Class<?>> nonAnnotatedClasses = ConcurrentHashMap.newKeySet();

	private final List<HandlerCandidate> candidates = new ArrayList<>();

	private final Set<String> ignored = new HashSet<>();

	private boolean drained;

	/**
	 * Creates a post-processor.
	 */
	public EventHandlerAnnotationBeanPostProcessor() {
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof AopInfrastructureBean || bean instanceof ScopedObject
				|| this.nonAnnotatedClasses.contains(bean.getClass())) {
			// A scoped proxy is created only when first used, so its functions are
			// collected from its target, which is created with the other singletons when
			// its scope is singleton.
			return bean;
		}
		// ultimateTargetClass rather than AopUtils.getTargetClass: it also sees through a
		// proxy of a proxy, as @Scheduled and @EventListener processing do.
		Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
		Map<Method, EventHandler> annotated = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<EventHandler>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, EventHandler.class));
		if (annotated.isEmpty()) {
			this.nonAnnotatedClasses.add(bean.getClass());
			return bean;
		}
		String name = ScopedProxyUtils.isScopedTarget(beanName) ? ScopedProxyUtils.getOriginalBeanName(beanName)
				: beanName;
		annotated
			.forEach((method, annotation) -> add(new HandlerCandidate(name, bean, targetClass, method, annotation)));
		return bean;
	}

	private synchronized void add(HandlerCandidate candidate) {
		if (this.drained) {
			if (!this.ignored.add(candidate.beanName() + "#" + candidate.method())) {
				return;
			}
			logger.warn(() -> candidate.problem("ignored because the bean was created after start-up; "
					+ "functions must be declared on eagerly created singleton beans"));
			return;
		}
		this.candidates.add(candidate);
	}

	/**
	 * Returns the methods collected so far and stops collecting: methods of beans created
	 * later, such as lazy or prototype beans, are ignored with one warning each.
	 * @return the collected methods, in discovery order
	 */
	synchronized List<HandlerCandidate> drainCandidates() {
		this.drained = true;
		List<HandlerCandidate> result = Collections.unmodifiableList(new ArrayList<>(this.candidates));
		this.candidates.clear();
		return result;
	}

}
