package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.util.Assert;

/**
 * Moves the stored timers of parked runs earlier: the wake times of delayed, sleeping and
 * waiting runs, the deadlines of open event waits, and the times from which the timeouts
 * of open batches count. Together with a {@link dev.backgroundjobs.schedule.TimerClock
 * TimerClock} advanced by the same amount, this makes time pass for timers without
 * touching leases, which stay in real database time.
 * <p>
 * Meant for tests. Each row is moved only if it still holds the value read, so a run that
 * parks again meanwhile keeps its new wake time.
 */
public final class JdbcTimerShift {

	private static final String SELECT_WAKE_TIMES = """
			SELECT run_id, wake_at FROM bj_runs WHERE status IN ('DELAYED', 'SLEEPING', 'WAITING') AND wake_at IS NOT NULL
			""";

	private static final String SHIFT_WAKE_TIME = """
			UPDATE bj_runs SET wake_at = :shifted
			WHERE run_id = :runId AND wake_at = :current AND status IN ('DELAYED', 'SLEEPING', 'WAITING')
			""";

	private static final String SELECT_DEADLINES = """
			SELECT run_id, step_id, expires_at FROM bj_event_waits WHERE resolved_event IS NULL
			""";

	private static final String SHIFT_DEADLINE = """
			UPDATE bj_event_waits SET expires_at = :shifted
			WHERE run_id = :runId AND step_id = :stepId AND expires_at = :current AND resolved_event IS NULL
			""";

	private static final String SELECT_WAITING_BATCH_EVENTS = """
			SELECT function_id, event_id, received_at FROM bj_batch_events WHERE batch_run_id IS NULL
			""";

	private static final String SHIFT_WAITING_BATCH_EVENT = """
			UPDATE bj_batch_events SET received_at = :shifted
			WHERE function_id = :functionId AND event_id = :eventId AND received_at = :current AND batch_run_id IS NULL
			""";

	private static final String SELECT_OPEN_BATCHES = """
			SELECT batch_key, opened_at FROM bj_batches WHERE opened_at IS NOT NULL
			""";

	private static final String SHIFT_OPEN_BATCH = """
			UPDATE bj_batches SET opened_at = :shifted WHERE batch_key = :batchKey AND opened_at = :current
			""";

	private final JdbcStoreSupport support;

	/**
	 * Creates a shifter of the timers stored in a database.
	 * @param dataSource the data source of the engine's tables
	 * @param dialect the dialect of the database
	 */
	public JdbcTimerShift(DataSource dataSource, DatabaseDialect dialect) {
		this.support = new JdbcStoreSupport(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Moves every stored wake time, open wait deadline and open batch start earlier.
	 * @param duration how much earlier; must not be negative
	 * @return how many timers were moved
	 */
	public int shiftEarlier(Duration duration) {
		Assert.notNull(duration, "'duration' must not be null");
		Assert.isTrue(!duration.isNegative(), () -> "'duration' must not be negative, but was " + duration);
		Integer moved = this.support.transactions()
			.execute((status) -> shiftRuns(duration) + shiftWaits(duration) + shiftBatches(duration));
		return (moved != null) ? moved : 0;
	}

	private int shiftRuns(Duration duration) {
		List<Timer> timers = this.support.jdbc()
			.sql(SELECT_WAKE_TIMES)
			.query((rs, row) -> new Timer(rs.getString("run_id"), "", this.support.getRequiredInstant(rs, "wake_at")))
			.list();
		int moved = 0;
		for (Timer timer : timers) {
			moved += this.support.jdbc()
				.sql(SHIFT_WAKE_TIME)
				.param("shifted", this.support.bind(timer.at().minus(duration)))
				.param("runId", timer.runId())
				.param("current", this.support.bind(timer.at()))
				.update();
		}
		return moved;
	}

	private int shiftWaits(Duration duration) {
		List<Timer> timers = this.support.jdbc()
			.sql(SELECT_DEADLINES)
			.query((rs, row) -> new Timer(rs.getString("run_id"), rs.getString("step_id"),
					this.support.getRequiredInstant(rs, "expires_at")))
			.list();
		int moved = 0;
		for (Timer timer : timers) {
			moved += this.support.jdbc()
				.sql(SHIFT_DEADLINE)
				.param("shifted", this.support.bind(timer.at().minus(duration)))
				.param("runId", timer.runId())
				.param("stepId", timer.stepId())
				.param("current", this.support.bind(timer.at()))
				.update();
		}
		return moved;
	}

	/**
	 * Moves the start of open batches, and the arrival of the events waiting in them,
	 * from which the start is computed again when an event arrives.
	 */
	private int shiftBatches(Duration duration) {
		List<Timer> events = this.support.jdbc()
			.sql(SELECT_WAITING_BATCH_EVENTS)
			.query((rs, row) -> new Timer(rs.getString("function_id"), rs.getString("event_id"),
					this.support.getRequiredInstant(rs, "received_at")))
			.list();
		for (Timer event : events) {
			this.support.jdbc()
				.sql(SHIFT_WAITING_BATCH_EVENT)
				.param("shifted", this.support.bind(event.at().minus(duration)))
				.param("functionId", event.runId())
				.param("eventId", event.stepId())
				.param("current", this.support.bind(event.at()))
				.update();
		}
		List<Timer> batches = this.support.jdbc()
			.sql(SELECT_OPEN_BATCHES)
			.query((rs, row) -> new Timer(rs.getString("batch_key"), "",
					this.support.getRequiredInstant(rs, "opened_at")))
			.list();
		int moved = 0;
		for (Timer batch : batches) {
			moved += this.support.jdbc()
				.sql(SHIFT_OPEN_BATCH)
				.param("shifted", this.support.bind(batch.at().minus(duration)))
				.param("batchKey", batch.runId())
				.param("current", this.support.bind(batch.at()))
				.update();
		}
		return moved;
	}

	/**
	 * A stored time and the key of its row: a run id and step id; for a waiting batch
	 * event, its function id and event id; for an open batch, its key.
	 */
	private record Timer(String runId, String stepId, Instant at) {

	}

}
