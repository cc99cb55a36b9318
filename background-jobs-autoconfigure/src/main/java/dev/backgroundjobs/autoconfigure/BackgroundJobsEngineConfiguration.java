package dev.backgroundjobs.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.engine.BranchPool;
import dev.backgroundjobs.engine.CheckpointWriter;
import dev.backgroundjobs.engine.DefaultDeadLetterOperations;
import dev.backgroundjobs.engine.DefaultRunOperations;
import dev.backgroundjobs.engine.EngineSettings;
import dev.backgroundjobs.engine.Executions;
import dev.backgroundjobs.engine.FunctionTimeouts;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.RunLifecycleListener;
import dev.backgroundjobs.engine.RunLog;
import dev.backgroundjobs.engine.RunObservations;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.RunTimeouts;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.schedule.BatchSweeper;
import dev.backgroundjobs.schedule.CronTicker;
import dev.backgroundjobs.schedule.DatabaseClock;
import dev.backgroundjobs.schedule.DatabaseClockSynchronizer;
import dev.backgroundjobs.schedule.DueWorkPoller;
import dev.backgroundjobs.schedule.SlotRelease;
import dev.backgroundjobs.schedule.EngineLifecycle;
import dev.backgroundjobs.schedule.EngineScheduler;
import dev.backgroundjobs.schedule.LeaseKeeper;
import dev.backgroundjobs.schedule.TakeoverHold;
import dev.backgroundjobs.schedule.TimeoutSweeper;
import dev.backgroundjobs.schedule.TimerClock;
import dev.backgroundjobs.schedule.TimerOffset;
import dev.backgroundjobs.jdbc.JdbcCheckpointStore;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.CheckpointStore;
import dev.backgroundjobs.store.DatabaseTime;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RecordRepublisher;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.VirtualThreadTaskExecutor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The run engine: worker pool, executor, dispatcher, lease heartbeats, the due-work
 * poller and the cron ticker.
 */
@Configuration(proxyBeanMethods = false)
class BackgroundJobsEngineConfiguration {

	@Bean
	@ConditionalOnMissingBean
	WorkerPool backgroundJobsWorkerPool(BackgroundJobsProperties properties, Environment environment) {
		BackgroundJobsProperties.Worker worker = properties.getWorker();
		Executor executor;
		// As Boot's own executors: virtual threads when spring.threads.virtual.enabled is
		// set on Java 21 or later.
		if (Threading.VIRTUAL.isActive(environment)) {
			SimpleAsyncTaskExecutor virtual = new SimpleAsyncTaskExecutor("background-jobs-worker-");
			virtual.setVirtualThreads(true);
			executor = virtual;
		}
		else {
			// Threads of an idle pool end after a minute, so a burst does not leave
			// hundreds of idle threads behind.
			ThreadPoolExecutor platform = new ThreadPoolExecutor(worker.getConcurrency(), worker.getConcurrency(), 60,
					TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
					new CustomizableThreadFactory("background-jobs-worker-"));
			platform.allowCoreThreadTimeOut(true);
			executor = platform;
		}
		return new WorkerPool(executor, worker.getConcurrency(), worker.getQueueCapacity());
	}

	@Bean
	@ConditionalOnMissingBean(name = "backgroundJobsScheduler")
	EngineScheduler backgroundJobsScheduler() {
		return new EngineScheduler();
	}

	@Bean
	@ConditionalOnMissingBean
	DatabaseClockSynchronizer backgroundJobsDatabaseClock(ObjectProvider<Clock> clock, DatabaseTime databaseTime,
			EngineScheduler backgroundJobsScheduler) {
		// The application's clock (or the JVM's) is corrected to the database's, so that
		// cron ticks, sleeps and wait timeouts agree across instances whose clocks
		// differ.
		DatabaseClock databaseClock = new DatabaseClock(clock.getIfUnique(Clock::systemUTC), databaseTime);
		return new DatabaseClockSynchronizer(databaseClock, backgroundJobsScheduler.executor(),
				DatabaseClockSynchronizer.DEFAULT_INTERVAL);
	}

	@Bean
	@ConditionalOnMissingBean
	EngineSettings backgroundJobsEngineSettings(BackgroundJobsProperties properties,
			DatabaseClockSynchronizer databaseClock, ObjectProvider<TimerOffset> timerOffset) {
		BackgroundJobsProperties.Retry retry = properties.getRetry();
		RetryBackoff infrastructure = new RetryBackoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 0.5);
		// A TimerOffset (put in place by tests) moves timers ahead; leases keep the
		// database's clock (see backgroundJobsTakeoverHold).
		TimerOffset offset = timerOffset.getIfUnique();
		Clock clock = (offset != null) ? new TimerClock(databaseClock.clock(), offset) : databaseClock.clock();
		return new EngineSettings(retry.getParkThreshold(), infrastructure, clock);
	}

	@Bean
	@ConditionalOnMissingBean
	RunObservations backgroundJobsRunObservations(ObjectProvider<ObservationRegistry> observationRegistry,
			PayloadCodec codec) {
		return new RunObservations(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP), codec);
	}

	@Bean
	@ConditionalOnMissingBean
	RunLog backgroundJobsRunLog(EngineSettings settings) {
		return new RunLog(settings.clock());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	CheckpointWriter backgroundJobsCheckpointWriter(CheckpointStore checkpointStore,
			BackgroundJobsProperties properties) {
		int writers = properties.getWorker().getCheckpointWriters();
		CustomizableThreadFactory threads = new CustomizableThreadFactory("background-jobs-checkpoints-");
		threads.setDaemon(true);
		return new CheckpointWriter(checkpointStore, writers, JdbcCheckpointStore.MAX_BATCH_SIZE, threads);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	BranchPool backgroundJobsBranchPool(BackgroundJobsProperties properties, Environment environment) {
		ThreadFactory threads;
		if (Threading.VIRTUAL.isActive(environment)) {
			threads = new VirtualThreadTaskExecutor("background-jobs-branch-").getVirtualThreadFactory();
		}
		else {
			CustomizableThreadFactory platform = new CustomizableThreadFactory("background-jobs-branch-");
			platform.setDaemon(true);
			threads = platform;
		}
		return new BranchPool(properties.getWorker().getBranchConcurrency(), threads);
	}

	@Bean
	@ConditionalOnMissingBean
	Executions backgroundJobsExecutions(BackgroundJobsProperties properties) {
		return new Executions(properties.getCancel().isInterruptRunningStep());
	}

	@Bean
	@ConditionalOnMissingBean
	FunctionTimeouts backgroundJobsFunctionTimeouts(FunctionRegistry functions, BackgroundJobsProperties properties) {
		Map<String, RunTimeouts> overrides = new LinkedHashMap<>();
		properties.getFunctions().forEach((functionId, function) -> {
			BackgroundJobsProperties.Function.Timeouts timeouts = function.getTimeouts();
			overrides.put(functionId, new RunTimeouts(timeouts.getStart(), timeouts.getFinish(), timeouts.getStep()));
		});
		return new FunctionTimeouts(functions, overrides);
	}

	@Bean
	@ConditionalOnMissingBean
	TimeoutSweeper backgroundJobsTimeoutSweeper(RunStore runStore, FunctionTimeouts timeouts,
			EngineScheduler backgroundJobsScheduler, BackgroundJobsProperties properties) {
		return new TimeoutSweeper(runStore, timeouts, backgroundJobsScheduler.executor(),
				properties.getPoller().getInterval(), properties.getPoller().getBatchSize());
	}

	@Bean
	@ConditionalOnMissingBean
	BatchSweeper backgroundJobsBatchSweeper(ObjectProvider<BatchStore> batchStore, FunctionRegistry functions,
			RunDispatcher dispatcher, InstanceId instanceId, EngineScheduler backgroundJobsScheduler,
			BackgroundJobsProperties properties, EngineSettings settings) {
		return new BatchSweeper(batchStore.getIfAvailable(), functions, dispatcher,
				new BatchSweeper.Settings(instanceId.value(), properties.getLease().getDuration(),
						properties.getPoller().getInterval(), properties.getPoller().getBatchSize()),
				settings.clock(), backgroundJobsScheduler.executor());
	}

	@Bean
	@ConditionalOnMissingBean
	RunExecutor backgroundJobsRunExecutor(RunStore runStore, StepStore stepStore, FunctionRegistry functions,
			PayloadCodec codec, EngineSettings settings, ObjectProvider<RunLifecycleListener> listeners,
			RunObservations observations, ObjectProvider<EventPublisher> events, EventWaitStore waits,
			CheckpointWriter checkpoints, Executions executions, BranchPool branches, FunctionTimeouts timeouts) {
		return new RunExecutor(runStore, stepStore, functions, codec, settings, listeners.orderedStream().toList(),
				observations, events.getIfUnique(), waits, checkpoints, executions, branches, timeouts);
	}

	@Bean
	@ConditionalOnMissingBean
	RunDispatcher backgroundJobsRunDispatcher(WorkerPool pool, RunExecutor executor,
			EngineScheduler backgroundJobsScheduler, EngineSettings settings) {
		return new RunDispatcher(pool, executor, backgroundJobsScheduler.executor(),
				backgroundJobsScheduler.startTimer(), settings.infrastructureBackoff());
	}

	@Bean
	@ConditionalOnMissingBean
	RunOperations backgroundJobsRunOperations(RunStore runStore, RunDispatcher dispatcher, InstanceId instanceId,
			BackgroundJobsProperties properties, Executions executions) {
		return new DefaultRunOperations(runStore, dispatcher, instanceId, properties.getLease().getDuration(),
				executions);
	}

	@Bean
	@ConditionalOnMissingBean
	DeadLetterOperations backgroundJobsDeadLetterOperations(DeadLetterStore deadLetterStore,
			RunOperations runOperations, ObjectProvider<RecordRepublisher> republisher) {
		return new DefaultDeadLetterOperations(deadLetterStore, runOperations, republisher.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean
	LeaseKeeper backgroundJobsLeaseKeeper(RunStore runStore, RunDispatcher dispatcher, InstanceId instanceId,
			BackgroundJobsProperties properties, TakeoverHold takeoverHold, Executions executions) {
		BackgroundJobsProperties.Lease lease = properties.getLease();
		return new LeaseKeeper(runStore, dispatcher.heldRuns(), instanceId.value(), lease.getDuration(), takeoverHold,
				executions);
	}

	@Bean
	@ConditionalOnMissingBean
	TakeoverHold backgroundJobsTakeoverHold(BackgroundJobsProperties properties,
			DatabaseClockSynchronizer databaseClock) {
		// Lease expiry is real database time, never a TimerClock's.
		return new TakeoverHold(databaseClock.clock(), properties.getLease().getDuration());
	}

	@Bean
	@ConditionalOnMissingBean
	DueWorkPoller backgroundJobsDueWorkPoller(RunStore runStore, RunDispatcher dispatcher, InstanceId instanceId,
			BackgroundJobsProperties properties, FunctionRegistry functions, TakeoverHold takeoverHold,
			EngineScheduler backgroundJobsScheduler) {
		DueWorkPoller poller = new DueWorkPoller(runStore, dispatcher, instanceId.value(),
				properties.getLease().getDuration(), properties.getPoller().getBatchSize(), functions, takeoverHold,
				startAhead(properties));
		SlotRelease slotRelease = new SlotRelease(poller, functions, runStore, backgroundJobsScheduler.executor());
		dispatcher.onRunEnded(slotRelease);
		dispatcher.onRunsWaiting(slotRelease::slotsMayBeFree);
		return poller;
	}

	/**
	 * Returns how long before their start the runs a throttle delays are held by an
	 * instance that starts them at their time: two poll intervals, so every such run is
	 * claimed at least one poll before it starts.
	 * @param properties the properties
	 * @return the look-ahead
	 */
	static Duration startAhead(BackgroundJobsProperties properties) {
		return properties.getPoller().getInterval().multipliedBy(2);
	}

	@Bean
	@ConditionalOnMissingBean
	CronTicker backgroundJobsCronTicker(RunStore runStore, RunDispatcher dispatcher, FunctionRegistry functions,
			InstanceId instanceId, BackgroundJobsProperties properties, EngineSettings settings) {
		return new CronTicker(runStore, dispatcher, functions, instanceId.value(), properties.getLease().getDuration(),
				settings.clock(), properties.getCron().getMissedTicks());
	}

	@Bean
	@ConditionalOnMissingBean
	EngineLifecycle backgroundJobsEngineLifecycle(LeaseKeeper leaseKeeper, DueWorkPoller poller, CronTicker ticker,
			WorkerPool pool, RunStore runStore, EngineScheduler backgroundJobsScheduler, InstanceId instanceId,
			BackgroundJobsProperties properties) {
		return new EngineLifecycle(leaseKeeper, poller, ticker, pool, runStore, backgroundJobsScheduler.executor(),
				new EngineLifecycle.Settings(instanceId.value(), properties.getLease().getHeartbeatInterval(),
						properties.getPoller().getInterval(), properties.getShutdownTimeout()));
	}

}
