import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { outsideTrace, publishSpans } from '../tracing/spans';
import { crashPoint } from '../common/crash-point';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import type { QueueableRow } from '../orders/open-rows';
import { takeUnsent } from '../orders/outbox';
import { ASSISTED_QUEUE, bullPriority, queueFor, SUBMISSION_QUEUE, SUBMIT_LISTING, SubmitListingPayload, submissionJobId, submissionJobOptions } from '../queue/queue.constants';

/**
 * A promise marked as handled at once: it is awaited only after later work has yielded, and a
 * rejection with no handler by then would end the process.
 */
const handled = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};

/** Outbox entries published per transaction. */
const OUTBOX_BATCH = 20;
/** Queue entries per addBulk (one Redis pipeline). */
const ADD_CHUNK = 500;

/**
 * PostgreSQL → BullMQ: the one place that writes submission entries to the queue.
 *
 * It relays the transactional outbox: whatever must reach Redis is first committed to `outbox`
 * together with the change that needs it (src/orders/outbox.ts); the dispatcher takes a batch and
 * marks it sent in a transaction, publishes it, and only then commits. A failure or crash before
 * the commit leaves the batch unsent and publishes it again later, which deterministic BullMQ ids
 * make harmless: adding a row that is already queued is a no-op in Redis, so callers may
 * dispatch as often as they like. Every writer of the outbox in this process pokes the
 * dispatcher after its commit; the OUTBOX_POLL_MS timer is the backstop for the rest (another
 * replica's batch rolled back, a process that died between its commit and its poke).
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Dispatcher.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) private readonly fleetQueue: Queue<SubmitListingPayload>,
    @InjectQueue(ASSISTED_QUEUE) private readonly assistedQueue: Queue<SubmitListingPayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Both submission queues: a row's entry is in the one its directory's definition chose when it was queued. */
  private get queues(): Array<Queue<SubmitListingPayload>> {
    return [this.fleetQueue, this.assistedQueue];
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.poke(), this.config.OUTBOX_POLL_MS);
    this.poke();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Drains the outbox soon; concurrent pokes coalesce into one more pass. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = outsideTrace(() => this.drain())
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn(`outbox relay paused: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /**
   * Publishes unsent outbox entries in batches until a batch comes back short. Resolves to how many
   * it sent. Stopping at a short batch rather than an empty one saves a pass per commit: an entry
   * committed after the last batch was taken is its writer's poke (`again`) or the timer's.
   */
  async drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      const n = await this.db.transaction(async (m) => {
        // One statement and one addBulk per queue for the whole batch, not one of each per order.
        const { taken, rows } = await takeUnsent(m, OUTBOX_BATCH);
        if (rows.length) await this.dispatch(rows);
        if (taken) crashPoint(this.config, 'relay.after-add');
        return taken;
      });
      sent += n;
      if (n < OUTBOX_BATCH) return sent;
    }
  }

  async dispatch(rows: QueueableRow[]): Promise<void> {
    for (const queue of this.queues) await this.add(queue, rows.filter((r) => queueFor(r.assisted) === queue.name));
  }

  private async add(queue: Queue<SubmitListingPayload>, rows: QueueableRow[]): Promise<void> {
    // Chunks in flight together: Redis runs one while the next is built (the yield between
    // them). Each is written to the queue's one connection in turn (every addBulk resumes after
    // the same connection promise, first come first served), so Redis adds them in the rows'
    // order. One exception: a connection that drops mid-pass fails the chunk it was answering,
    // while later chunks not yet answered are sent again on reconnect; the pass rolls back and
    // the failed chunk's entries are published again behind them (at most one chunk out of place).
    const adding: Array<Promise<unknown>> = [];
    // With tracing on, each order's entries are published in its request's trace (src/tracing/spans.ts).
    const traced = publishSpans(rows, queue.name);
    for (let i = 0; i < rows.length; i += ADD_CHUNK) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      adding.push(
        handled(queue.addBulk(
          rows.slice(i, i + ADD_CHUNK).map((r) => {
            const metadata = traced.metadataOf(r.jobId);
            return {
              name: SUBMIT_LISTING,
              data: { resultId: r.resultId, generation: r.generation, jobId: r.jobId, directoryId: r.directoryId, ...(r.requestId ? { requestId: r.requestId } : {}) },
              opts: { ...submissionJobOptions(this.config, r.priority), jobId: submissionJobId(r.resultId, r.generation), ...(metadata ? { telemetry: { metadata } } : {}) },
            };
          }),
        )),
      );
    }
    // Every chunk settled before the pass ends (and the transaction with it); then the first failure.
    const failed = (await Promise.allSettled(adding)).find((r) => r.status === 'rejected');
    traced.end(failed?.status === 'rejected' ? failed.reason : undefined);
    if (failed) throw failed.reason;
  }

  /** Moves queued entries of these rows to another priority; entries not in Redis are left to the reconciler. */
  async reprioritise(rows: Array<{ resultId: string; generation: number }>, orderPriority: number): Promise<void> {
    await Promise.all(
      rows.map(async (r) => {
        for (const queue of this.queues) {
          const entry = await queue.getJob(submissionJobId(r.resultId, r.generation)).catch(() => undefined);
          if (entry && entry.priority !== bullPriority(orderPriority)) await entry.changePriority({ priority: bullPriority(orderPriority) }).catch(() => undefined);
        }
      }),
    );
  }

  /** Takes queued entries of these rows off the queue (pause, cancel); entries in a worker's hands stay. */
  async withdraw(rows: Array<{ resultId: string; generation: number }>): Promise<void> {
    await Promise.all(rows.flatMap((r) => this.queues.map((q) => q.remove(submissionJobId(r.resultId, r.generation)).catch(() => 0))));
  }
}
