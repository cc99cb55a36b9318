package dev.backgroundjobs.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Sample application for background-jobs. Runs with no set-up: an in-memory H2 database
 * and, unless {@code spring.kafka.bootstrap-servers} is set, an in-process Kafka broker.
 */
@SpringBootApplication
public class SampleApplication {

	/**
	 * Starts the application.
	 * @param args the command-line arguments
	 */
	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
