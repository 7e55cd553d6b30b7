import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, Queue } from 'bullmq';
import { loadConfig } from '../config/config.schema';
import { isDatabaseUnavailable } from '../common/pg-errors';
import { SUBMISSION_QUEUE, SubmitListingPayload } from '../queue/queue.constants';
import { BrowserHealth } from './browser-health';
import { BrowserFailed } from '../engine/listing-submitter';
import { describeLimits, placeInLine } from './directory-limits';
import { DirectoryTurns } from './directory-turns.service';
import { ResultsService } from '../results/results.service';
import { AttemptInfo, DirectoryPaused, RetryLater, SubmissionService, WaitUntil } from './submission.service';
import { WorkerFleet } from './worker-fleet';

const config = loadConfig();
/** How long a submission waits when PostgreSQL does not answer. */
const DATABASE_RETRY_MS = 2000;
/** How often a paused directory's queue entries look whether staff resumed it. */
const PAUSED_RECHECK_MS = 5000;
/** How long a submission waits after the worker's browser failed under it (a new one starts meanwhile). */
const BROWSER_RETRY_MS = 2000;

/**
 * Consumes directory submissions. Worker options come from the validated config, read once:
 * decorators are evaluated before Nest could inject anything.
 */
@Processor(SUBMISSION_QUEUE, {
  concurrency: config.WORKER_CONCURRENCY,
  lockDuration: config.QUEUE_LOCK_MS,
  stalledInterval: config.QUEUE_LOCK_MS,
  maxStalledCount: 5,
})
export class SubmissionProcessor extends WorkerHost implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SubmissionProcessor.name);

  constructor(
    private readonly submissions: SubmissionService,
    private readonly fleet: WorkerFleet,
    private readonly health: BrowserHealth,
    private readonly turns: DirectoryTurns,
    private readonly results: ResultsService,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue<SubmitListingPayload>,
  ) {
    super();
  }

  onModuleInit(): void {
    this.logger.log(`taking submissions, concurrency ${config.WORKER_CONCURRENCY}`);
    // A worker whose browser keeps failing takes no more work from here on (src/worker.ts then exits).
    void this.health.fatal.then(() => this.worker.pause(true)).catch(() => undefined);
  }

  async process(job: Job<SubmitListingPayload>, token?: string): Promise<string> {
    const info: AttemptInfo = { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1, browserFailures: job.data.browserFailures ?? 0, retryAfters: job.data.retryAfters ?? 0 };
    const { resultId, jobId, directoryId } = job.data;
    this.fleet.start({ resultId, jobId, directoryId, attempt: info.attempt });
    try {
      return await this.attempt(job, info, token);
    } finally {
      this.fleet.end(resultId);
    }
  }

  private async attempt(job: Job<SubmitListingPayload>, info: AttemptInfo, token?: string): Promise<string> {
    for (;;) {
      try {
        const { directoryId } = job.data;
        const { limits, paused } = await this.turns.stateOf(directoryId);
        if (paused) throw new DirectoryPaused(paused);
        // job.priority, not opts.priority: staff may have changed it since the job was added.
        const turn = await this.turns.take(directoryId, job.id!, placeInLine(job.priority || (job.opts.priority ?? 0), job.timestamp), limits);
        if (!turn.go) {
          // The directory's turn is not yet: the entry waits, uncounted, holding no worker slot.
          if (turn.joined) await this.results.note(job.data.resultId, job.data.jobId, `waiting: directory limit ${describeLimits(limits)}`, turn.reason);
          await job.moveToDelayed(Date.now() + turn.waitMs, token);
          throw new DelayedError();
        }
        return await this.turns.holding(directoryId, turn.holder, () => this.submissions.run(job.data, info));
      } catch (err) {
        if (err instanceof DelayedError) throw err;
        // The directory paused itself (its form changed): the entry waits, uncounted, until staff resume it.
        if (err instanceof DirectoryPaused) {
          if (!job.data.waitedForResume) {
            await this.results.note(job.data.resultId, job.data.jobId, 'waiting: the directory is paused until staff resume it', err.message);
            await job.updateData({ ...job.data, waitedForResume: true });
          }
          await job.moveToDelayed(Date.now() + PAUSED_RECHECK_MS, token);
          throw new DelayedError();
        }
        // An earlier attempt may still be answered: wait here, keeping the job (and its place in
        // line, which a delayed job would lose), then look again. Bounded by the click lease plus
        // one step timeout.
        if (err instanceof WaitUntil) {
          await new Promise((r) => setTimeout(r, Math.max(0, err.until.getTime() - Date.now()) + 100));
          continue;
        }
        // The worker's browser failed (the service gave the row its attempt back): again later,
        // without spending an attempt, counted on the entry so that it is bounded.
        if (err instanceof BrowserFailed) {
          this.logger.warn(`${job.id}: ${err.message}; queued again, not counted as an attempt`);
          await job.updateData({ ...job.data, browserFailures: (job.data.browserFailures ?? 0) + 1 });
          await job.moveToDelayed(Date.now() + BROWSER_RETRY_MS, token);
          throw new DelayedError();
        }
        // The directory said when to come back (Retry-After): the entry waits until then, uncounted.
        if (err instanceof RetryLater) {
          this.logger.warn(`${job.id}: ${err.message}`);
          await job.updateData({ ...job.data, retryAfters: (job.data.retryAfters ?? 0) + 1 });
          await job.moveToDelayed(err.until.getTime(), token);
          throw new DelayedError();
        }
        // Not the submission's fault either: come back later without spending an attempt.
        if (!isDatabaseUnavailable(err)) throw err;
        await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS, token);
        throw new DelayedError();
      }
    }
  }

  /**
   * BullMQ hands a dead worker's job back behind everything queued at its priority; after a crash
   * it would wait out the whole backlog. Put it at the front of its priority instead.
   */
  @OnWorkerEvent('stalled')
  async onStalled(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    // job.priority, not opts.priority: staff may have changed it since the job was added.
    const priority = job?.priority || job?.opts.priority;
    if (!job || !priority) return;
    await job.changePriority({ priority, lifo: true }).catch(() => undefined);
    this.logger.warn(`${jobId} was held by a worker that died; queued again at the front`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<SubmitListingPayload> | undefined, err: Error): void {
    this.logger.warn(`${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${err.message}`);
  }

  /**
   * SIGTERM: stop taking work and let in-flight submissions finish within the grace period; what
   * is still running then is handed back to the queue by BullMQ's stalled-job check.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const closing = this.worker.close();
    const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.SHUTDOWN_GRACE_MS).unref());
    if ((await Promise.race([closing, grace])) === 'timeout') {
      this.logger.warn(`in-flight submissions outlived the ${config.SHUTDOWN_GRACE_MS} ms grace period; closing anyway`);
      await this.worker.close(true);
    }
  }
}
