import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { ASSISTED_QUEUE, MAX_STALLED, SUBMISSION_QUEUE, type SubmissionQueueName, SubmitListingPayload } from '../queue/queue.constants';
import { keyPrefix, queueConnection } from '../queue/redis-connection';
import { copyEntry, delayEntry, verdictOf } from '../workers/queue-verdict';
import { keepPlaceOnRetry, toFront } from '../workers/queue-place';
import type { ResultsService } from '../results/results.service';
import { Metrics } from '../metrics/metrics';

export type Entry = Job<SubmitListingPayload>;

/**
 * The queue side of leases: submissions are taken from BullMQ by manual fetching with a lock
 * token of the lease's own, so priority, backoff, pause, cancel and the stalled checker apply as
 * for the fleet's workers. The lock lasts WORKER_LEASE_MS and only heartbeats extend it: a lease
 * nobody renews lets the entry stall, and BullMQ's stalled check (run here too, in case no worker
 * of the fleet is up) puts it back in the queue. Two queues: the fleet's (SUBMISSION_QUEUE), and
 * ASSISTED_QUEUE, which only workers with a person at the browser take from.
 */
@Injectable()
export class LeaseQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaseQueue.name);
  private readonly workers: Record<SubmissionQueueName, Worker<SubmitListingPayload>>;
  private readonly queues: Record<SubmissionQueueName, Queue<SubmitListingPayload>>;

  constructor(
    @InjectQueue(SUBMISSION_QUEUE) fleetQueue: Queue<SubmitListingPayload>,
    @InjectQueue(ASSISTED_QUEUE) assistedQueue: Queue<SubmitListingPayload>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.queues = { [SUBMISSION_QUEUE]: fleetQueue, [ASSISTED_QUEUE]: assistedQueue };
    const fetcher = (name: SubmissionQueueName) => {
      const worker = new Worker<SubmitListingPayload>(name, null, {
        connection: queueConnection(config, 'worker'),
        prefix: keyPrefix(config),
        autorun: false,
        lockDuration: config.WORKER_LEASE_MS,
        // Only how often to look: an entry whose lock is still held is never taken back, so this
        // may be shorter than a lease. BullMQ runs one check per interval for the whole queue.
        stalledInterval: Math.min(config.QUEUE_LOCK_MS, config.WORKER_LEASE_MS),
        maxStalledCount: MAX_STALLED,
      });
      worker.on('error', (err) => this.logger.warn(`lease queue ${name}: ${err.message}`));
      worker.on('stalled', (jobId) => void toFront(this.queues[name], jobId).then((moved) => moved && this.logger.warn(`${jobId}: its lease or worker lapsed; queued again at the front`)));
      return worker;
    };
    this.workers = { [SUBMISSION_QUEUE]: fetcher(SUBMISSION_QUEUE), [ASSISTED_QUEUE]: fetcher(ASSISTED_QUEUE) };
  }

  async onApplicationBootstrap(): Promise<void> {
    // The assisted queue has no processor anywhere: this is its only stalled check.
    for (const worker of Object.values(this.workers)) await worker.startStalledCheckTimer();
  }

  /** The next entry BullMQ would hand a worker from `queue`, locked with `token`; undefined when none is due. */
  next(queue: SubmissionQueueName, token: string): Promise<Entry | undefined> {
    return this.workers[queue].getNextJob(token, { block: false }) as Promise<Entry | undefined>;
  }

  entry(queue: SubmissionQueueName, id: string): Promise<Entry | undefined> {
    return Job.fromId<SubmitListingPayload>(this.queues[queue], id);
  }

  /** Hands an entry to the other queue (its directory's definition changed sides since it was queued). */
  async move(entry: Entry, token: string, to: SubmissionQueueName): Promise<void> {
    await copyEntry(entry, this.queues[to]);
    await entry.moveToCompleted(`moved to the ${to} queue`, token, false);
  }

  /** Keeps the entry's lock for `ms` more; false when the lock was lost (the entry stalled or ended). */
  async extend(entry: Entry, token: string, ms: number): Promise<boolean> {
    return (await entry.extendLock(token, ms)) === 1;
  }

  /** Gives an entry back to the queue untouched (the lease was not for this worker, or its key was revoked). */
  async giveBack(entry: Entry, token: string): Promise<void> {
    await entry.moveToWait(token);
  }

  delay(entry: Entry, token: string, until: number): Promise<void> {
    return entry.moveToDelayed(until, token);
  }

  /**
   * Ends the entry the way the fleet's processor would after its attempt: completed with the
   * service's answer, or, after a throw, what the verdict says (retry with backoff, final failure,
   * or back to the queue uncounted). `results` notes on the row what the verdict asks.
   */
  async settle(entry: Entry, token: string, settled: { done: string } | { error: unknown }, results: ResultsService): Promise<void> {
    if ('done' in settled) {
      await entry.moveToCompleted(settled.done, token, false);
      return;
    }
    const verdict = verdictOf(settled.error, entry.data);
    if (verdict.kind === 'fail') {
      await entry.moveToFailed(verdict.err, token, false);
      await keepPlaceOnRetry(this.queueOf(entry), entry);
      return;
    }
    await delayEntry(this.queueOf(entry), entry, token, verdict, { results, metrics: this.metrics });
  }

  private queueOf(entry: Entry): Queue<SubmitListingPayload> {
    return this.queues[entry.queueName as SubmissionQueueName];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.workers).map((w) => w.close(true).catch(() => undefined)));
  }
}
