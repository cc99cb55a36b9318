package dev.backgroundjobs.function;

import java.lang.reflect.Method;

import dev.backgroundjobs.EventHandler;

/**
 * An {@link EventHandler @EventHandler} method found on a bean, not yet validated.
 *
 * @param beanName the bean name
 * @param bean the bean, possibly a proxy
 * @param targetClass the class of the bean behind any proxy
 * @param method the annotated method, declared on the target class or one of its
 * supertypes
 * @param annotation the merged annotation
 */
record HandlerCandidate(String beanName, Object bean, Class<?> targetClass, Method method, EventHandler annotation) {

	/**
	 * Describes the method as {@code <declaring class>.<method name>}.
	 * @return the description
	 */
	String methodName() {
		return this.method.getDeclaringClass().getName() + "." + this.method.getName();
	}

	/**
	 * Starts a problem message naming the method and the bean.
	 * @param detail what is wrong, naming the attribute or parameter
	 * @return the message
	 */
	String problem(String detail) {
		return "@EventHandler method '" + methodName() + "' of bean '" + this.beanName + "': " + detail;
	}

}
