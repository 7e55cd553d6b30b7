import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Reconciler } from '../dispatch/reconciler.service';
import { withTimeout } from '../common/timeout';
import { closeWorker } from '../queue/close-worker';
import { keyPrefix, queueConnection } from '../queue/redis-connection';
import { isDirectoryId, isUuid } from '../common/ids';
import { ReviewService } from '../jobs/review.service';
import { RetentionService } from '../retention/retention.service';
import { AuditService } from '../audit/audit.service';
import { type Chore, CHORES, MAINTENANCE_QUEUE, RETENTION_SCHEDULER, type ReviewRequest } from './maintenance.constants';

/** How soon an API that could not reach Redis at start tries again to set up the schedule. */
const SCHEDULE_RETRY_MS = 60_000;
/** How long a shutdown waits for the queue's connections to finish starting. */
const READY_WAIT_MS = 2000;
/** How long a shutdown lets a chore in progress finish. */
const CHORE_WAIT_MS = 30_000;

/**
 * The fleet's chores on the maintenance queue, taken by whichever API replica is free: retention
 * every RETENTION_EVERY_MS (a BullMQ job scheduler makes one job per interval however many
 * replicas set it, the first at once), and what an operator asks for now (`npm run boltline --
 * retention`, `reconcile` or `requeue-review`). A job's result is its report, which the asking command prints.
 */
@Injectable()
export class MaintenanceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceService.name);
  private queue?: Queue;
  private worker?: Worker;
  private retry?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly retention: RetentionService,
    private readonly reconciler: Reconciler,
    private readonly review: ReviewService,
    private readonly audit: AuditService,
  ) {}

  /** Connects only once the application starts: a module compiled and closed (tests) opens nothing. */
  onApplicationBootstrap(): void {
    const { config } = this;
    this.queue = new Queue(MAINTENANCE_QUEUE, { connection: queueConnection(config, 'producer'), prefix: keyPrefix(config) });
    this.queue.on('error', (err) => this.logger.debug(`maintenance queue: ${err.message}`));
    this.worker = new Worker(MAINTENANCE_QUEUE, (job) => this.run(job), { connection: queueConnection(config, 'worker'), prefix: keyPrefix(config), concurrency: 1 });
    this.worker.on('error', (err) => this.logger.warn(`maintenance queue: ${err.message}`));
    this.worker.on('failed', (job, err) => this.logger.error(`${job?.name ?? 'maintenance'} failed: ${err.message}`));
    void this.schedule(this.queue);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.retry);
    // Closed in the middle of connecting, BullMQ reports the failed start-up on an emitter nobody
    // listens to any more (an unhandled error): let the start-up end first, for a moment at most.
    await withTimeout(Promise.all([this.queue?.waitUntilReady(), this.worker?.waitUntilReady()]), READY_WAIT_MS, 'maintenance queue').catch(() => undefined);
    // A chore still running is given a while; past it, the process goes on stopping, and the chore's
    // job, its lock expired, is run again by another replica (every chore can run twice).
    if (this.worker) await withTimeout(closeWorker(this.worker, READY_WAIT_MS), CHORE_WAIT_MS, 'maintenance chore').catch((err: Error) => this.logger.warn(err.message));
    await this.queue?.close();
  }

  private async run(job: Job): Promise<object> {
    const chore = job.name as Chore;
    if (chore === 'retention') return this.retention.runNow();
    if (chore === 'reconcile') return { requeued: await this.reconciler.reconcile(), removed: await this.reconciler.dropOrphans() };
    if (chore === 'requeue-review') return this.requeueReview(reviewRequest(job.data));
    throw new Error(`unknown chore ${job.name}: this replica knows ${CHORES.join(', ')}`);
  }

  /** Resubmits (or, without `apply`, counts) rows awaiting review; one audit entry per row, as the dashboard writes. */
  private async requeueReview(req: ReviewRequest): Promise<object> {
    const filter = { jobId: req.jobId, directoryId: req.directoryId };
    if (!req.apply) return this.review.countAwaiting(filter);
    const actor = `operator ${req.by} (npm run boltline)`;
    const { resubmitted, skipped } = await this.review.resubmitAwaiting(filter, actor, (r) =>
      this.audit.record({ actorType: 'system', actor, action: 'result.review.resubmit', jobId: r.jobId, detail: { resultId: r.resultId } }),
    );
    return { resubmitted: resubmitted.length, skipped };
  }

  /** Sets the schedule (again, with this process's interval: the last API to start wins). */
  private async schedule(queue: Queue): Promise<void> {
    try {
      await queue.upsertJobScheduler(RETENTION_SCHEDULER, { every: this.config.RETENTION_EVERY_MS }, {
        name: 'retention',
        opts: { removeOnComplete: 50, removeOnFail: 50 },
      });
    } catch (err) {
      this.logger.warn(`retention not scheduled yet (${(err as Error).message}); trying again in ${SCHEDULE_RETRY_MS / 1000} s`);
      this.retry = setTimeout(() => void this.schedule(queue), SCHEDULE_RETRY_MS).unref();
    }
  }
}

/** A `requeue-review` job's request; the command checked it, a stray job is refused whole. */
function reviewRequest(data: unknown): ReviewRequest {
  const req = (data ?? {}) as Partial<ReviewRequest>;
  if (req.jobId !== undefined && !isUuid(req.jobId)) throw new Error(`requeue-review: jobId ${String(req.jobId)} is not an order id`);
  if (req.directoryId !== undefined && !isDirectoryId(req.directoryId)) throw new Error(`requeue-review: directoryId ${String(req.directoryId)} is not a directory id`);
  if (req.jobId === undefined && req.directoryId === undefined && req.all !== true) throw new Error('requeue-review: names no order or directory and not all');
  if (typeof req.by !== 'string' || !/^[\w.@-]{1,200}$/.test(req.by)) throw new Error('requeue-review: says not who asked');
  return { jobId: req.jobId, directoryId: req.directoryId, all: req.all, apply: req.apply === true, by: req.by };
}
