package dev.backgroundjobs.dashboard;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns the dashboard API's bad requests into 400 answers whose body names what was
 * wrong, and builds its other error answers, all with a {@link Message} body.
 */
@RestControllerAdvice(assignableTypes = { DashboardApi.class, DashboardActions.class })
public class DashboardErrors {

	/**
	 * Answers a bad request.
	 * @param ex what was wrong
	 * @return 400 with the message
	 */
	@ExceptionHandler(DashboardRequestException.class)
	public ResponseEntity<Message> badRequest(DashboardRequestException ex) {
		return status(HttpStatus.BAD_REQUEST, ex.getMessage());
	}

	static ResponseEntity<Message> notFound(String message) {
		return status(HttpStatus.NOT_FOUND, message);
	}

	static ResponseEntity<Message> status(HttpStatus status, String message) {
		return ResponseEntity.status(status).body(new Message(message));
	}

	/**
	 * Body of an error answer.
	 *
	 * @param message what went wrong
	 */
	public record Message(String message) {

	}

}
