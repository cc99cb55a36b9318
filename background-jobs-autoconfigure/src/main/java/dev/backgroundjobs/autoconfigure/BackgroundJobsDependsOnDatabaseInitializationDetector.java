package dev.backgroundjobs.autoconfigure;

import java.util.Set;

import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RetentionStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;

import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDependsOnDatabaseInitializationDetector;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitializationDetector;

/**
 * {@link DependsOnDatabaseInitializationDetector} that makes the store beans, and so
 * everything that uses them, wait until the database schema is initialised.
 */
class BackgroundJobsDependsOnDatabaseInitializationDetector
		extends AbstractBeansOfTypeDependsOnDatabaseInitializationDetector {

	@Override
	protected Set<Class<?>> getDependsOnDatabaseInitializationBeanTypes() {
		return Set.of(RunStore.class, StepStore.class, DeadLetterStore.class, RetentionStore.class);
	}

}
