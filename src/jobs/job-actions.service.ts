import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Reach } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { JobDispatcher } from '../dispatch/job-dispatcher';
import { enqueueOrder } from '../dispatch/outbox';
import { OutboxRelay } from '../dispatch/outbox-relay.service';
import { LivePublisher } from '../live/live-publisher';
import { recordJobEvent } from './job-events';
import { JobStatus } from './job-status';
import { Job } from './job.entity';
import { JobView, jobView } from './job-view';
import { holdOpenOrderLimit } from './open-order-limit';

export const JOB_ACTIONS = ['approve', 'pause', 'resume', 'cancel', 'retry'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** Which statuses each action may start from. */
export const ALLOWED_FROM: Record<JobAction, readonly JobStatus[]> = {
  approve: ['awaiting_approval'],
  pause: ['queued', 'running'],
  resume: ['paused'],
  cancel: ['awaiting_approval', 'queued', 'running', 'paused'],
  retry: ['queued', 'running', 'paused', 'completed'],
};

/**
 * Staff and API actions on an order. Each runs in one transaction holding the order's row lock,
 * so it cannot interleave with another action or with a worker's completion check. Anything that
 * must reach Redis goes through the outbox; queue removals afterwards are only tidying, since
 * processors re-check PostgreSQL before touching a browser.
 */
@Injectable()
export class JobActionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly dispatcher: JobDispatcher,
    private readonly live: LivePublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Within `reach` only: another account's job is a 404, like a missing one. */
  async act(id: string, action: JobAction, reach: Reach): Promise<JobView> {
    if (reach.kind === 'account') {
      const [visible] = await this.db.query(`SELECT 1 FROM jobs j JOIN customers c ON c.id = j.customer_id WHERE j.id = $1 AND c.account_id = $2`, [id, reach.accountId]);
      if (!visible) throw new ProblemException(404, `job ${id} not found`);
    }
    const withdrawn: Array<{ resultId: string; generation: number }> = [];
    const job = await this.db.transaction(async (m) => {
      const current = await lockJob(m, id);
      if (!ALLOWED_FROM[action].includes(current.status)) {
        throw new ProblemException(409, `cannot ${action} job ${id}: it is ${current.status} (${action} needs ${ALLOWED_FROM[action].join(' or ')})`);
      }
      // A retry reopens a finished order: for an account's key that is one more open order.
      if (action === 'retry' && current.status === 'completed' && reach.kind === 'account') {
        await holdOpenOrderLimit(m, reach.accountId, this.config.MAX_OPEN_ORDERS_PER_ACCOUNT);
      }
      withdrawn.push(...(await this[action](m, current)));
      return m.findOneByOrFail(Job, { id });
    });
    this.relay.poke();
    this.live.publish({ jobId: id });
    if (withdrawn.length) await this.dispatcher.withdraw(withdrawn);
    return jobView(job);
  }

  /**
   * Changes an order's priority. PostgreSQL holds it; entries already queued in Redis are moved
   * to the new priority as a courtesy (one the reconciler would also make good if Redis lost them).
   */
  async setPriority(id: string, priority: number): Promise<JobView> {
    if (!Number.isInteger(priority) || priority < 1 || priority > 4) {
      throw new ProblemException(400, 'priority must be a whole number from 1 (most urgent) to 4', [{ field: 'priority', messages: ['use 1, 2, 3 or 4'] }]);
    }
    const { job, open } = await this.db.transaction(async (m) => {
      const current = await lockJob(m, id);
      if (current.priority !== priority) {
        await m.query(`UPDATE jobs SET priority = $2, updated_at = now() WHERE id = $1`, [id, priority]);
        await recordJobEvent(m, id, 'priority_changed', { from: current.priority, to: priority });
      }
      return { job: await m.findOneByOrFail(Job, { id }), open: await this.openRows(m, id) };
    });
    await this.dispatcher.reprioritise(open, priority);
    this.live.publish({ jobId: id });
    return jobView(job);
  }

  private async approve(m: EntityManager, job: Job) {
    await this.setStatus(m, job.id, 'queued');
    await enqueueOrder(m, job.id);
    await recordJobEvent(m, job.id, 'approved');
    return [];
  }

  private async pause(m: EntityManager, job: Job) {
    await this.setStatus(m, job.id, 'paused');
    await recordJobEvent(m, job.id, 'paused');
    return this.openRows(m, job.id);
  }

  /** Rows queued before the pause may still sit in Redis as finished no-ops: queue them afresh. */
  private async resume(m: EntityManager, job: Job) {
    await m.query(
      `UPDATE job_results SET generation = generation + 1, updated_at = now() WHERE job_id = $1 AND status IN ('pending', 'retry')`,
      [job.id],
    );
    await this.setStatus(m, job.id, job.startedAt ? 'running' : 'queued');
    await enqueueOrder(m, job.id);
    await recordJobEvent(m, job.id, 'resumed');
    await completeIfDone(m, job.id);
    return [];
  }

  /** Stops what has not started; a submission already in a browser finishes and is recorded. */
  private async cancel(m: EntityManager, job: Job) {
    const rows = await this.openRows(m, job.id);
    const [, cancelled] = await m.query(
      `UPDATE job_results SET status = 'cancelled', finished_at = now(), updated_at = now()
        WHERE job_id = $1 AND status IN ('pending', 'retry')`,
      [job.id],
    );
    await m.query(
      `UPDATE jobs SET status = 'cancelled', cancelled = cancelled + $2, completed_at = now(), updated_at = now() WHERE id = $1`,
      [job.id, cancelled],
    );
    await recordJobEvent(m, job.id, 'cancelled', { cancelled });
    return rows;
  }

  /** Queues the failed directories again; everything else keeps its result. */
  private async retry(m: EntityManager, job: Job) {
    const [, retried] = await m.query(
      `UPDATE job_results SET status = 'pending', generation = generation + 1, attempt_token = NULL,
              error_message = NULL, finished_at = NULL, updated_at = now()
        WHERE job_id = $1 AND status = 'failed'`,
      [job.id],
    );
    if (retried === 0) throw new ProblemException(409, `cannot retry job ${job.id}: it has no failed directories`);
    const next: JobStatus = job.status === 'completed' ? 'queued' : job.status;
    await m.query(
      `UPDATE jobs SET failed = failed - $2, attempts = attempts + 1, status = $3, completed_at = NULL, updated_at = now() WHERE id = $1`,
      [job.id, retried, next],
    );
    if (next !== 'paused') await enqueueOrder(m, job.id);
    await recordJobEvent(m, job.id, 'retried', { directories: retried });
    return [];
  }

  private async setStatus(m: EntityManager, id: string, status: JobStatus) {
    await m.query(`UPDATE jobs SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
  }

  private openRows(m: EntityManager, id: string): Promise<Array<{ resultId: string; generation: number }>> {
    return m.query(`SELECT id::text AS "resultId", generation FROM job_results WHERE job_id = $1 AND status IN ('pending', 'retry')`, [id]);
  }
}

/** The order, locked for this transaction (404 when there is none). */
async function lockJob(m: EntityManager, id: string): Promise<Job> {
  const job = await m.getRepository(Job).createQueryBuilder('j').setLock('pessimistic_write').where('j.id = :id', { id }).getOne();
  if (!job) throw new ProblemException(404, `job ${id} not found`);
  return job;
}

/**
 * Marks an active order completed once every directory is final. Called inside the transaction
 * that changed a counter, after the order's row is locked by that change. PostgreSQL computes the
 * order's outcome in the same statement; the timeline records it.
 */
export async function completeIfDone(m: EntityManager, jobId: string): Promise<boolean> {
  const [done]: [Array<{ outcome: string }>, number] = await m.query(
    `UPDATE jobs SET status = 'completed', completed_at = now(), updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'running') AND submitted + failed + cancelled + needs_review + blocked = total
      RETURNING outcome`,
    [jobId],
  );
  if (done.length) await recordJobEvent(m, jobId, 'completed', { outcome: done[0].outcome });
  return done.length > 0;
}
