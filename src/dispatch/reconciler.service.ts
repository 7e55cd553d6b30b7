import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { ASSISTED_QUEUE, SUBMISSION_QUEUE, SubmitListingPayload, submissionJobId } from '../queue/queue.constants';
import { openRowSql, QUEUEABLE_COLUMNS, QueueableRow } from '../orders/open-rows';
import { Dispatcher } from './dispatcher.service';
import { Metrics } from '../metrics/metrics';

/**
 * PostgreSQL says what must happen; Redis may have forgotten it (a flush, a restart without
 * persistence, an outbox entry marked sent by a relay whose Redis write was lost). The reconciler
 * compares the two and puts back on the queue every open row that has no live queue entry.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Reconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue<SubmitListingPayload>,
    @InjectQueue(ASSISTED_QUEUE) private readonly assisted: Queue<SubmitListingPayload>,
    private readonly dispatcher: Dispatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const tick = () => {
      this.running ??= Promise.all([this.reconcile(), this.dropOrphans()])
        .catch((err: unknown) => this.logger.warn(`reconcile skipped: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.config.RECONCILE_INTERVAL_MS);
    // A Redis that comes back may have come back empty (a restart without persistence, a flush
    // during the outage): compare again every time the connection is re-established.
    const client = await this.queue.client;
    let first = true;
    client.on('ready', () => {
      if (!first) this.logger.log('Redis reconnected: reconciling');
      first = false;
      tick();
    });
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Removes queue entries that no open row stands behind: rows deleted, finished, queued again
   * under a newer generation, or orders paused or cancelled. Entries in a worker's hands stay;
   * their processors ask PostgreSQL anyway. Resolves to how many it removed.
   */
  async dropOrphans(): Promise<number> {
    let removed = 0;
    for (const queue of [this.queue, this.assisted]) removed += await this.dropOrphansOf(queue);
    return removed;
  }

  private async dropOrphansOf(queue: Queue<SubmitListingPayload>): Promise<number> {
    const entries = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    if (!entries.length) return 0;
    const live: Array<{ id: string; generation: number }> = await this.db.query(
      `SELECT r.id::text, r.generation FROM job_results r JOIN jobs j ON j.id = r.job_id
        WHERE r.id = ANY($1::bigint[]) AND ${openRowSql()}`,
      [entries.map((e) => e.data.resultId).filter((id) => /^\d+$/.test(String(id)))],
    );
    const wanted = new Set(live.map((r) => submissionJobId(r.id, r.generation)));
    const orphans = entries.filter((e) => e.id && !wanted.has(e.id));
    await Promise.all(orphans.map((e) => queue.remove(e.id as string).catch(() => 0)));
    if (orphans.length) this.logger.log(`removed ${orphans.length} queue entr${orphans.length === 1 ? 'y' : 'ies'} with no open row`);
    this.metrics.repairs.inc({ kind: 'orphan' }, orphans.length);
    return orphans.length;
  }

  /** An entry's state in whichever queue holds it; 'unknown' when neither does. */
  private async stateOf(id: string): Promise<string> {
    const states = await Promise.all([this.queue.getJobState(id), this.assisted.getJobState(id)]);
    // A live entry in one queue counts over a finished one in the other (an entry moved between them).
    return states.find((s) => s !== 'unknown' && s !== 'completed' && s !== 'failed') ?? states.find((s) => s !== 'unknown') ?? 'unknown';
  }

  /** One pass; resolves to how many rows it put back on the queue. */
  async reconcile(): Promise<number> {
    const open: Array<QueueableRow & { status: string }> = await this.db.query(
      `SELECT ${QUEUEABLE_COLUMNS}, r.status
         FROM job_results r JOIN jobs j ON j.id = r.job_id JOIN directories d ON d.id = r.directory_id
        -- rows of active orders still owed an attempt, and rows of any order whose outcome is
        -- unknown (they are verified even after a pause or cancel)
        WHERE ${openRowSql()}
          -- rows touched a moment ago may be on their way into Redis through the outbox
          AND r.updated_at < now() - interval '5 seconds'
        ORDER BY r.id`,
    );
    const missing: typeof open = [];
    for (let i = 0; i < open.length; i += 200) {
      const chunk = open.slice(i, i + 200);
      // In either queue: the entry stays where it was put, should the directory's definition have changed since.
      const states = await Promise.all(chunk.map((r) => this.stateOf(submissionJobId(r.resultId, r.generation))));
      chunk.forEach((r, k) => {
        // 'completed'/'failed' with the row still open cannot be retried under the same id: bump it.
        if (states[k] === 'unknown') missing.push(r);
        else if (states[k] === 'completed' || states[k] === 'failed') missing.push({ ...r, generation: -1 });
      });
    }
    const toBump = missing.filter((r) => r.generation === -1).map((r) => r.resultId);
    if (toBump.length) {
      const seen = new Map(open.map((r) => [r.resultId, r.generation]));
      // Only rows still as they were read: a worker may have finished one since (its last
      // attempt's entry is what made BullMQ say completed or failed), and reopening a finished
      // row would submit it again. UPDATE through TypeORM answers [rows, affected].
      const [bumped]: [Array<{ id: string; generation: number }>, number] = await this.db.query(
        `UPDATE job_results r SET generation = r.generation + 1,
                status = CASE WHEN r.status = 'submitting' THEN r.status ELSE 'retry' END, updated_at = now()
           FROM unnest($1::bigint[], $2::int[]) AS s(id, generation)
          WHERE r.id = s.id AND r.generation = s.generation AND r.status IN ('pending', 'retry', 'submitting')
          RETURNING r.id::text, r.generation`,
        [toBump, toBump.map((id) => seen.get(id))],
      );
      const gen = new Map(bumped.map((b) => [b.id, b.generation]));
      for (const r of missing) if (r.generation === -1) r.generation = gen.get(r.resultId) ?? -1;
    }
    const rows = missing.filter((r) => r.generation > 0);
    await this.dispatcher.dispatch(rows);
    if (rows.length) this.logger.log(`re-enqueued ${rows.length} submission(s) missing from Redis`);
    this.metrics.repairs.inc({ kind: 'requeued' }, rows.length);
    return rows.length;
  }
}
