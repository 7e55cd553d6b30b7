import type { EntityManager } from 'typeorm';
import { QUEUEABLE_COLUMNS, type QueueableRow, waitingRowSql } from './open-rows';

/**
 * The outbox: what must reach Redis is written here in the same transaction as the change that
 * needs it, and published by the dispatcher once that transaction has committed.
 */

/** Asks, inside the caller's transaction, for an order's open rows to be put on the queue. */
export async function enqueueOrder(m: EntityManager, jobId: string): Promise<void> {
  await m.query(`INSERT INTO outbox (topic, job_id) VALUES ('enqueue_job', $1)`, [jobId]);
}

/**
 * Up to `limit` unsent entries, oldest first, taken and marked sent inside the caller's
 * transaction, with the rows of their orders to put on the queue, in one statement (one round trip
 * per batch). The caller publishes the rows before it commits: if publishing fails (or the process
 * dies first), the rollback leaves the entries unsent. SKIP LOCKED: every API replica may publish
 * without two of them taking the same entry. The rows come order by order in the outbox's order
 * (the queue's at equal priority), each order's by id; `taken` counts entries, rows or none.
 */
export async function takeUnsent(m: EntityManager, limit: number): Promise<{ taken: number; rows: QueueableRow[] }> {
  const found: Array<QueueableRow & { taken: number }> = await m.query(
    `WITH taken AS (
       UPDATE outbox SET sent_at = now(), attempts = attempts + 1
        WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, job_id),
     orders AS (SELECT job_id, min(id) AS first FROM taken GROUP BY job_id)
     -- One row at least (the one-row (SELECT 1)): the count of entries taken comes back even when
     -- their orders have no row to queue (paused, cancelled, finished).
     SELECT (SELECT count(*) FROM taken)::int AS taken, q.*
       FROM (SELECT 1) AS one
       LEFT JOIN (
         SELECT ${QUEUEABLE_COLUMNS}, o.first, r.id AS row_id
           FROM orders o JOIN job_results r ON r.job_id = o.job_id JOIN jobs j ON j.id = r.job_id JOIN directories d ON d.id = r.directory_id
          WHERE ${waitingRowSql()}) AS q ON true
      ORDER BY q.first, q.row_id`,
    [limit],
  );
  const rows = found
    .filter((f) => f.resultId !== null)
    .map(({ resultId, generation, jobId, directoryId, priority, assisted, requestId, traceParent }) => ({ resultId, generation, jobId, directoryId, priority, assisted, requestId, traceParent }));
  return { taken: found[0]?.taken ?? 0, rows };
}
