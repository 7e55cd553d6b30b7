import type { EntityManager } from 'typeorm';
import { ProblemException } from '../common/problem.filter';
import { Job } from './job.entity';
import { completeIfDone, countRows, moveOrder } from './ledger';
import { waitingRows } from './open-rows';
import { enqueueOrder } from './outbox';
import { ACTIVE_JOB_STATUSES, WAITING_ROW_STATUSES } from './statuses';
import { recordJobEvent } from './timeline';
import type { OrderAction } from './transitions';

/**
 * Rows waiting in the queue, by the queue entries they have: after a pause or cancel the caller
 * takes these off the queue once committed; after a priority change it moves them.
 */
export type QueuedRows = Array<{ resultId: string; generation: number }>;

/**
 * An action on a locked order, in the caller's transaction: the order's status moves as
 * transitions.ts allows (409 otherwise), its rows and counters follow, the timeline records it,
 * and anything Redis must hear goes through the outbox.
 */
export async function applyOrderAction(m: EntityManager, job: Job, action: OrderAction): Promise<QueuedRows> {
  switch (action) {
    case 'approve':
      await moveOrder(m, job, 'approve');
      await enqueueOrder(m, job.id);
      await recordJobEvent(m, job.id, 'approved');
      return [];
    case 'pause':
      await moveOrder(m, job, 'pause');
      await recordJobEvent(m, job.id, 'paused');
      return waitingRows(m, job.id);
    case 'resume':
      return resume(m, job);
    case 'cancel':
      return cancel(m, job);
    case 'retry':
      return retry(m, job);
  }
}

/** Rows queued before the pause may still sit in Redis as finished no-ops: they are queued afresh. */
async function resume(m: EntityManager, job: Job): Promise<QueuedRows> {
  await moveOrder(m, job, 'resume');
  await m.query(`UPDATE job_results SET generation = generation + 1, updated_at = now() WHERE job_id = $1 AND status = ANY($2)`, [job.id, WAITING_ROW_STATUSES]);
  await enqueueOrder(m, job.id);
  await recordJobEvent(m, job.id, 'resumed');
  await completeIfDone(m, job.id);
  return [];
}

/** Stops what has not started; a submission already in a browser finishes and is recorded. */
async function cancel(m: EntityManager, job: Job): Promise<QueuedRows> {
  const rows = await waitingRows(m, job.id);
  await moveOrder(m, job, 'cancel');
  const [, cancelled]: [unknown[], number] = await m.query(
    `UPDATE job_results SET status = 'cancelled', finished_at = now(), updated_at = now() WHERE job_id = $1 AND status = ANY($2)`,
    [job.id, WAITING_ROW_STATUSES],
  );
  await countRows(m, job.id, 'pending', 'cancelled', cancelled);
  await m.query(`UPDATE jobs SET completed_at = now() WHERE id = $1`, [job.id]);
  await recordJobEvent(m, job.id, 'cancelled', { cancelled });
  return rows;
}

/** Queues the failed directories again; everything else keeps its result. */
async function retry(m: EntityManager, job: Job): Promise<QueuedRows> {
  const next = await moveOrder(m, job, 'retry');
  const [, retried]: [unknown[], number] = await m.query(
    `UPDATE job_results SET status = 'pending', generation = generation + 1, attempt_token = NULL,
            error_message = NULL, finished_at = NULL, updated_at = now()
      WHERE job_id = $1 AND status = 'failed'`,
    [job.id],
  );
  if (retried === 0) throw new ProblemException(409, `cannot retry job ${job.id}: it has no failed directories`);
  await countRows(m, job.id, 'failed', 'pending', retried);
  await m.query(`UPDATE jobs SET attempts = attempts + 1, completed_at = NULL WHERE id = $1`, [job.id]);
  if ((ACTIVE_JOB_STATUSES as readonly string[]).includes(next)) await enqueueOrder(m, job.id);
  await recordJobEvent(m, job.id, 'retried', { directories: retried });
  return [];
}

/** Changes a locked order's priority; resolves to the rows whose queue entries should move with it. */
export async function setOrderPriority(m: EntityManager, job: Job, priority: number): Promise<QueuedRows> {
  if (job.priority !== priority) {
    await m.query(`UPDATE jobs SET priority = $2, updated_at = now() WHERE id = $1`, [job.id, priority]);
    await recordJobEvent(m, job.id, 'priority_changed', { from: job.priority, to: priority });
  }
  return waitingRows(m, job.id);
}
