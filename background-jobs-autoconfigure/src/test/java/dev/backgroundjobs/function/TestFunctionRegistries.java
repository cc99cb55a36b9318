package dev.backgroundjobs.function;

import java.util.List;

/**
 * Function registries for tests outside this package, which cannot register functions.
 */
public final class TestFunctionRegistries {

	private TestFunctionRegistries() {
	}

	/**
	 * Returns a registry holding the given functions.
	 * @param functions the functions
	 * @return the registry
	 */
	public static FunctionRegistry of(FunctionDefinition... functions) {
		FunctionRegistry registry = new FunctionRegistry();
		registry.register(List.of(functions));
		return registry;
	}

}
