package dev.backgroundjobs.autoconfigure;

import java.util.List;

import dev.backgroundjobs.jdbc.JdbcDeadLetterStore;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.jdbc.JdbcStepStore;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitializationDetector;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BackgroundJobsDependsOnDatabaseInitializationDetector}.
 */
class BackgroundJobsDependsOnDatabaseInitializationDetectorTests {

	@Test
	void detectsStoreBeans() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("runStore", new RootBeanDefinition(JdbcRunStore.class));
		beanFactory.registerBeanDefinition("stepStore", new RootBeanDefinition(JdbcStepStore.class));
		beanFactory.registerBeanDefinition("deadLetterStore", new RootBeanDefinition(JdbcDeadLetterStore.class));
		beanFactory.registerBeanDefinition("other", new RootBeanDefinition(String.class));
		assertThat(new BackgroundJobsDependsOnDatabaseInitializationDetector().detect(beanFactory))
			.containsExactlyInAnyOrder("runStore", "stepStore", "deadLetterStore");
	}

	@Test
	void isRegisteredInSpringFactories() {
		List<DependsOnDatabaseInitializationDetector> detectors = SpringFactoriesLoader
			.loadFactories(DependsOnDatabaseInitializationDetector.class, getClass().getClassLoader());
		assertThat(detectors).hasAtLeastOneElementOfType(BackgroundJobsDependsOnDatabaseInitializationDetector.class);
	}

}
