package dev.backgroundjobs.faults.app;

import java.time.Clock;
import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The clock the engine uses, shifted by {@code faults.clock-offset} (a duration such as
 * {@code 5m} or {@code -5m}) to play an instance whose clock is off.
 */
@Configuration(proxyBeanMethods = false)
class FaultClockConfiguration {

	@Bean
	Clock faultClock(@Value("${faults.clock-offset:0s}") Duration offset) {
		return Clock.offset(Clock.systemUTC(), offset);
	}

}
