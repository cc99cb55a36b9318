package dev.backgroundjobs.benchmarks;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The application the benchmark runs background-jobs in: the starter's auto-configuration
 * and the benchmark functions.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class BenchApplication {

	@Bean
	BenchFunctions benchFunctions(Probe probe) {
		return new BenchFunctions(probe);
	}

	/**
	 * A second instance of the same application that only publishes: it has no functions,
	 * so every run it publishes executes on the first instance.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	public static class PublisherOnly {

	}

}
