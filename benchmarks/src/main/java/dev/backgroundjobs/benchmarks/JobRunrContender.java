package dev.backgroundjobs.benchmarks;

import java.util.stream.Stream;

import java.time.Duration;
import java.time.Instant;

import javax.sql.DataSource;

import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.jobs.context.JobContext;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson3.Jackson3JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * JobRunr (open-source edition) with PostgreSQL storage in the {@code bench_jobrunr}
 * schema: default settings apart from the poll interval, which is the shortest it allows.
 */
public final class JobRunrContender implements Contender {

	/**
	 * The schema JobRunr stores its jobs in.
	 */
	public static final String SCHEMA = "bench_jobrunr";

	/**
	 * The shortest poll interval JobRunr's open-source edition accepts.
	 */
	public static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

	private final JobScheduler scheduler;

	private final JdbcClient jdbc;

	private final BackgroundJobServer server;

	private final DataSource dataSource;

	/**
	 * Starts JobRunr with a background job server.
	 * @param infrastructure the database
	 * @param probe receives what the jobs report
	 */
	public JobRunrContender(Infrastructure infrastructure, Probe probe) {
		DataSource dataSource = infrastructure.dataSource(SCHEMA, 10);
		this.dataSource = dataSource;
		JobRunrJobs jobs = new JobRunrJobs(probe);
		this.jdbc = JdbcClient.create(dataSource);
		JobRunrConfigurationResult jobRunr = JobRunr.configure()
			.useJsonMapper(new Jackson3JsonMapper())
			.useJobActivator(activator(jobs))
			.useStorageProvider(new PostgresStorageProvider(dataSource))
			.useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
				.andPollInterval(POLL_INTERVAL))
			.initialize();
		this.scheduler = jobRunr.getJobScheduler();
		this.server = jobRunr.getBackgroundJobServer();
		clear();
	}

	private static JobActivator activator(JobRunrJobs jobs) {
		return new JobActivator() {

			@Override
			@SuppressWarnings("unchecked")
			public <T> T activateJob(Class<T> type) {
				return (T) jobs;
			}

		};
	}

	@Override
	public String name() {
		return "JobRunr";
	}

	@Override
	public void accept() {
		long sentNanos = System.nanoTime();
		this.scheduler.<JobRunrJobs>schedule(Instant.now().plusSeconds(3600), (jobs) -> jobs.accepted(sentNanos));
	}

	@Override
	public void submit(WorkKind kind, long sentNanos) {
		switch (kind) {
			case ONE_STEP -> this.scheduler.<JobRunrJobs>enqueue((jobs) -> jobs.oneStep(sentNanos));
			case THREE_STEPS ->
				this.scheduler.<JobRunrJobs>enqueue((jobs) -> jobs.threeSteps(sentNanos, JobContext.Null));
			case PICKUP -> this.scheduler.<JobRunrJobs>enqueue((jobs) -> jobs.pickup(sentNanos));
		}
	}

	@Override
	public boolean submitBatch(int count, long sentNanos) {
		this.scheduler.<JobRunrJobs, Long>enqueue(Stream.generate(() -> sentNanos).limit(count),
				(jobs, sent) -> jobs.oneStep(sent));
		return true;
	}

	/**
	 * Pauses the background job server's processing; enqueued jobs wait in their table.
	 */
	@Override
	public void stopWorkers() {
		this.server.pauseProcessing();
	}

	@Override
	public void startWorkers() {
		this.server.resumeProcessing();
	}

	@Override
	public long unfinished() {
		return this.jdbc.sql("SELECT COUNT(*) FROM jobrunr_jobs WHERE state <> 'SUCCEEDED'").query(Long.class).single();
	}

	@Override
	public void clear() {
		this.jdbc.sql("DELETE FROM jobrunr_jobs").update();
		Infrastructure.vacuum(this.jdbc);
	}

	@Override
	public void close() {
		JobRunr.destroy();
		Infrastructure.close(this.dataSource);
	}

}
