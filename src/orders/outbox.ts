import type { EntityManager } from 'typeorm';

/**
 * The outbox: what must reach Redis is written here in the same transaction as the change that
 * needs it, and published by the dispatcher once that transaction has committed.
 */

/** Asks, inside the caller's transaction, for an order's open rows to be put on the queue. */
export async function enqueueOrder(m: EntityManager, jobId: string): Promise<void> {
  await m.query(`INSERT INTO outbox (topic, job_id) VALUES ('enqueue_job', $1)`, [jobId]);
}

/**
 * Up to `limit` unsent entries, oldest first, taken and marked sent in one statement inside the
 * caller's transaction: the caller publishes them before it commits, and if publishing fails (or
 * the process dies first) the rollback leaves them unsent. SKIP LOCKED: every API replica may
 * publish without two of them taking the same entry.
 */
export function takeUnsent(m: EntityManager, limit: number): Promise<Array<{ id: string; job_id: string }>> {
  return m.query(
    `WITH taken AS (
       UPDATE outbox SET sent_at = now(), attempts = attempts + 1
        WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, job_id)
     SELECT id, job_id FROM taken ORDER BY id`,
    [limit],
  );
}
