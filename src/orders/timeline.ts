import { EntityManager } from 'typeorm';

export type JobEventType = 'created' | 'approved' | 'started' | 'paused' | 'resumed' | 'cancelled' | 'retried' | 'completed' | 'reviewed' | 'priority_changed';

/** Appends to an order's timeline, inside the caller's transaction. */
export async function recordJobEvent(m: EntityManager, jobId: string, type: JobEventType, detail: Record<string, unknown> = {}): Promise<void> {
  await m.query(`INSERT INTO job_events (job_id, type, detail) VALUES ($1, $2, $3)`, [jobId, type, JSON.stringify(detail)]);
}
