import type { EntityManager } from 'typeorm';

/**
 * Asks, inside the caller's transaction, for an order's open rows to be put on the queue: the
 * outbox relay publishes the entry once the transaction has committed (see OutboxRelay).
 */
export async function enqueueOrder(m: EntityManager, jobId: string): Promise<void> {
  await m.query(`INSERT INTO outbox (topic, job_id) VALUES ('enqueue_job', $1)`, [jobId]);
}
