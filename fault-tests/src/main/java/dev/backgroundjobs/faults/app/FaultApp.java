package dev.backgroundjobs.faults.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The application the fault-injection suite starts as separate JVMs. Its options are
 * Spring properties given on the command line: {@code server.port},
 * {@code spring.datasource.url}, {@code spring.kafka.bootstrap-servers},
 * {@code background-jobs.instance-id}, {@code background-jobs.worker.concurrency},
 * {@code spring.datasource.hikari.maximum-pool-size}, {@code faults.ledger-url} and
 * {@code faults.clock-offset}.
 */
@SpringBootApplication
public class FaultApp {

	/**
	 * Starts the application.
	 * @param args Spring Boot command-line arguments
	 */
	public static void main(String[] args) {
		SpringApplication.run(FaultApp.class, args);
	}

}
