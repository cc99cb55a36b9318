package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Starts and stops the engine's background loops: lease heartbeats, the due-work poller
 * and the cron ticker. At shutdown it lets in-flight runs finish up to the shutdown
 * timeout, then releases the leases of every run this instance still holds, so another
 * instance takes them over at once instead of waiting for the leases to expire.
 * <p>
 * Every loop survives whatever it throws: each catches and logs its failures at a
 * throttled rate, and the scheduled task around it catches anything left, so one database
 * blip or one bug cannot stop heartbeats, polls or ticks for good. Heartbeats run on a
 * thread of their own, started here: a slow poll or tick must not delay them until leases
 * lapse under runs that are still executing.
 */
public final class EngineLifecycle implements SmartLifecycle {

	/**
	 * Lifecycle phase: before the consumers', so it starts first and stops last.
	 */
	public static final int PHASE = Integer.MAX_VALUE - 2000;

	private static final LogAccessor logger = new LogAccessor(EngineLifecycle.class);

	private final LeaseKeeper leaseKeeper;

	private final DueWorkPoller poller;

	private final CronTicker ticker;

	private final WorkerPool pool;

	private final RunStore runStore;

	private final ScheduledExecutorService scheduler;

	private final Settings settings;

	private @Nullable ScheduledExecutorService heartbeatThread;

	private @Nullable ScheduledFuture<?> heartbeats;

	private @Nullable ScheduledFuture<?> polls;

	private @Nullable ScheduledFuture<?> ticks;

	private final LoopFailures tickFailures = new LoopFailures(logger, "start cron runs");

	private volatile boolean running;

	/**
	 * Creates the lifecycle.
	 * @param leaseKeeper extends leases
	 * @param poller claims due work
	 * @param ticker starts cron runs
	 * @param pool the worker pool
	 * @param runStore releases leases at shutdown
	 * @param scheduler runs the loops
	 * @param settings loop intervals and shutdown timeout
	 */
	public EngineLifecycle(LeaseKeeper leaseKeeper, DueWorkPoller poller, CronTicker ticker, WorkerPool pool,
			RunStore runStore, ScheduledExecutorService scheduler, Settings settings) {
		this.leaseKeeper = leaseKeeper;
		this.poller = poller;
		this.ticker = ticker;
		this.pool = pool;
		this.runStore = runStore;
		this.scheduler = scheduler;
		this.settings = settings;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		long heartbeat = this.settings.heartbeatInterval().toMillis();
		long poll = this.settings.pollInterval().toMillis();
		CustomizableThreadFactory heartbeatThreads = new CustomizableThreadFactory("background-jobs-lease-keeper-");
		heartbeatThreads.setDaemon(true);
		ScheduledExecutorService heartbeatThread = Executors.newSingleThreadScheduledExecutor(heartbeatThreads);
		this.heartbeatThread = heartbeatThread;
		this.heartbeats = heartbeatThread.scheduleWithFixedDelay(guarded(this.leaseKeeper::heartbeatNow), heartbeat,
				heartbeat, TimeUnit.MILLISECONDS);
		this.polls = this.scheduler.scheduleWithFixedDelay(guarded(this.poller::pollNow), 0, poll,
				TimeUnit.MILLISECONDS);
		this.ticks = this.scheduler.scheduleWithFixedDelay(guarded(this::tick), 0, poll, TimeUnit.MILLISECONDS);
		this.running = true;
		logger.info(() -> "Started background-jobs engine " + this.settings.instanceId() + " (poll every " + poll
				+ " ms, lease heartbeat every " + heartbeat + " ms)");
	}

	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		stopClaiming();
		// Heartbeats go on while runs drain: a run that takes longer than a lease to
		// finish must not be taken over (and its step run again) meanwhile.
		boolean drained = this.pool.shutdown(this.settings.shutdownTimeout());
		if (!drained) {
			logger.warn(() -> "Runs still in flight after " + this.settings.shutdownTimeout().toMillis()
					+ " ms (background-jobs.shutdown-timeout); interrupting them");
		}
		stopHeartbeats();
		try {
			int released = this.runStore.releaseLeases(this.settings.instanceId());
			if (released > 0) {
				logger.info(() -> "Released " + released + " unfinished runs for other instances to take over");
			}
		}
		catch (RuntimeException ex) {
			logger.warn(ex, "Could not release run leases at shutdown; other instances take the runs over when "
					+ "the leases expire");
		}
		// Let a poll or heartbeat in progress finish: interrupting JDBC breaks
		// connections.
		this.scheduler.shutdown();
		if (this.heartbeatThread != null) {
			this.heartbeatThread.shutdown();
		}
		try {
			this.scheduler.awaitTermination(5, TimeUnit.SECONDS);
			if (this.heartbeatThread != null) {
				this.heartbeatThread.awaitTermination(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		logger.info(() -> "Stopped background-jobs engine " + this.settings.instanceId());
	}

	/**
	 * Stops heartbeats and polling without releasing anything, as if this instance had
	 * died; runs it holds are taken over by other instances when their leases expire.
	 * Meant for failover tests.
	 */
	public synchronized void halt() {
		stopClaiming();
		stopHeartbeats();
	}

	private void stopHeartbeats() {
		if (this.heartbeats != null) {
			this.heartbeats.cancel(false);
		}
	}

	private void stopClaiming() {
		if (this.polls != null) {
			this.polls.cancel(false);
		}
		if (this.ticks != null) {
			this.ticks.cancel(false);
		}
	}

	private void tick() {
		try {
			this.ticker.tickNow();
			this.tickFailures.succeeded();
		}
		catch (RuntimeException ex) {
			this.tickFailures.failed(ex);
		}
	}

	/**
	 * Wraps a loop so that nothing it throws reaches the scheduler: a periodic task that
	 * throws once is never run again.
	 */
	private static Runnable guarded(Runnable loop) {
		return () -> {
			try {
				loop.run();
			}
			catch (Throwable ex) {
				logger.error(ex, "Unexpected failure in a background-jobs loop; it runs again at its next interval");
			}
		};
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Loop and shutdown settings.
	 *
	 * @param instanceId this instance's id, the lease owner
	 * @param heartbeatInterval how often leases are extended
	 * @param pollInterval how often due work is claimed
	 * @param shutdownTimeout how long in-flight runs may take to finish at shutdown
	 */
	public record Settings(String instanceId, Duration heartbeatInterval, Duration pollInterval,
			Duration shutdownTimeout) {

	}

}
