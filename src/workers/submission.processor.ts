import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, Queue } from 'bullmq';
import { loadConfig } from '../config/config.schema';
import { ASSISTED_QUEUE, MAX_STALLED, SUBMISSION_QUEUE, SubmitListingPayload } from '../queue/queue.constants';
import { copyEntry, delayEntry, verdictOf } from './queue-verdict';
import { keepPlaceOnRetry, toFront } from './queue-place';
import { BrowserHealth } from './browser-health';
import { LISTING_SUBMITTER, type ListingSubmitter } from '../engine/listing-submitter';
import { DirectoryTurns } from './directory-turns.service';
import { ResultsService } from '../results/results.service';
import { type AttemptInfo, attemptInfoOf } from './attempt-errors';
import { SubmissionService } from './submission.service';
import { WorkerFleet } from './worker-fleet';
import { IntakeWatch } from './intake-watch';
import { WORKER_ID } from './worker-id';
import { namedConnection } from '../queue/redis-connection';
import { closeWorker } from '../queue/close-worker';
import { Metrics } from '../metrics/metrics';
import { PinoLogger } from 'nestjs-pino';

const config = loadConfig();
/** How long a stopping worker waits for Redis to answer before it closes by force. */
const REDIS_WAIT_MS = 2000;

/**
 * Consumes directory submissions. Worker options come from the validated config, read once:
 * decorators are evaluated before Nest could inject anything.
 */
@Processor(SUBMISSION_QUEUE, {
  concurrency: config.WORKER_CONCURRENCY,
  lockDuration: config.QUEUE_LOCK_MS,
  stalledInterval: config.QUEUE_LOCK_MS,
  maxStalledCount: MAX_STALLED,
  // Named after this process: `CLIENT LIST` shows `<prefix>:<queue, base64>:w:<id>` (waiting for
  // work) and `boltline:<id>:consumer` (taking and finishing it).
  name: WORKER_ID,
  ...namedConnection(config, 'worker', `boltline:${WORKER_ID}:consumer`),
})
export class SubmissionProcessor extends WorkerHost implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SubmissionProcessor.name);

  constructor(
    private readonly submissions: SubmissionService,
    private readonly fleet: WorkerFleet,
    private readonly intake: IntakeWatch,
    private readonly metrics: Metrics,
    private readonly pino: PinoLogger,
    private readonly health: BrowserHealth,
    private readonly turns: DirectoryTurns,
    private readonly results: ResultsService,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue<SubmitListingPayload>,
    @Inject(LISTING_SUBMITTER) private readonly submitter: ListingSubmitter,
    @InjectQueue(ASSISTED_QUEUE) private readonly assisted: Queue<SubmitListingPayload>,
  ) {
    super();
  }

  onModuleInit(): void {
    this.logger.log(`taking submissions, concurrency ${config.WORKER_CONCURRENCY}`);
    this.intake.attach(() => this.worker);
    // Drained: BullMQ's pause waits for the submissions in flight; nothing new is taken.
    this.fleet.whenAskedToDrain(() => this.worker.pause());
    // A worker whose browser keeps failing takes no more work from here on (src/worker.ts then exits).
    void this.health.fatal.then(() => this.worker.pause(true)).catch(() => undefined);
  }

  async process(job: Job<SubmitListingPayload>, token?: string): Promise<string> {
    const info = attemptInfoOf(job);
    const { resultId, jobId, directoryId } = job.data;
    this.fleet.start({ resultId, jobId, directoryId, attempt: info.attempt });
    this.intake.taken();
    try {
      return await this.aboutEntry(job, async () => {
        const done = await this.attempt(job, info, token);
        this.logger.log(`${directoryId} attempt ${info.attempt}: ${done}`);
        return done;
      });
    } finally {
      this.intake.done();
      this.fleet.end(resultId);
    }
  }

  /**
   * Runs `fn` with every log line in it (ours, the services', the engine's) carrying the entry's
   * order, row, directory and the id of the request that opened the order.
   */
  private aboutEntry<T>(job: Job<SubmitListingPayload> | undefined, fn: () => T): T {
    if (!job) return fn();
    const { requestId, jobId, resultId, directoryId } = job.data;
    return this.pino.runInContext(fn, { bindings: { requestId, orderId: jobId, resultId, directoryId, entry: job.id } });
  }

  private async attempt(job: Job<SubmitListingPayload>, info: AttemptInfo, token?: string): Promise<string> {
    try {
      const { directoryId } = job.data;
      // Its directory became one a person finishes since the entry was queued: a staff member's
      // browser takes it from the assisted queue, never this worker.
      if ((await this.turns.stateOf(directoryId)).assisted) {
        await copyEntry(job, this.assisted);
        return "moved to the assisted queue: a person finishes this directory's form";
      }
      // job.priority, not opts.priority: staff may have changed it since the job was added.
      const admitted = await this.turns.admit(directoryId, job.id!, job.priority || (job.opts.priority ?? 0), job.timestamp);
      if ('until' in admitted) {
        if (admitted.note) await this.results.note(job.data.resultId, job.data.jobId, admitted.note.event, admitted.note.detail);
        await job.moveToDelayed(admitted.until, token);
        throw new DelayedError();
      }
      return await this.turns.holding(directoryId, admitted.holder, () => this.submissions.run(job.data, info, this.submitter));
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const verdict = verdictOf(err, job.data);
      if (verdict.kind === 'fail') throw verdict.err;
      if (verdict.warn) this.logger.warn(`${job.id}: ${verdict.warn}`);
      await delayEntry(this.queue, job, token, verdict, { results: this.results, metrics: this.metrics });
      throw new DelayedError();
    }
  }

  @OnWorkerEvent('stalled')
  async onStalled(jobId: string): Promise<void> {
    if (await toFront(this.queue, jobId)) this.logger.warn(`${jobId} was held by a worker that died; queued again at the front`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<SubmitListingPayload> | undefined, err: Error): void {
    this.aboutEntry(job, () => this.logger.warn(`${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${err.message}`));
    void keepPlaceOnRetry(this.queue, job).catch(() => undefined);
  }

  /**
   * SIGTERM: stop taking work and let in-flight submissions finish within the grace period; what
   * is still running then is handed back to the queue by BullMQ's stalled-job check.
   */
  async beforeApplicationShutdown(): Promise<void> {
    // A moment for Redis to answer (else it closes by force); the grace is for what runs.
    const closing = closeWorker(this.worker, Math.min(REDIS_WAIT_MS, config.SHUTDOWN_GRACE_MS));
    const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.SHUTDOWN_GRACE_MS).unref());
    const ended = await Promise.race([closing, grace]);
    if (ended === 'timeout') {
      // BullMQ cannot be hurried once closing: the browser closes next, under the attempts still
      // running, which then end as failed attempts and go back to the queue.
      this.logger.warn(`in-flight submissions outlived the ${config.SHUTDOWN_GRACE_MS} ms grace period; closing the browser under them`);
    } else if (ended === 'forced') {
      this.logger.warn('closed without waiting for the submissions in flight: Redis was not answering (they go back to the queue when their locks expire)');
    }
  }
}
