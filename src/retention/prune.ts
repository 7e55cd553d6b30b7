import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config.schema';
import type { EvidenceStore } from '../evidence/evidence-store';
import { JOB_STATUSES, OPEN_JOB_STATUSES } from '../orders/statuses';

/** Finished orders' statuses, written out so the planner can use the partial index jobs_finished_updated_idx. */
const FINISHED = JOB_STATUSES.filter((s) => !(OPEN_JOB_STATUSES as readonly string[]).includes(s)).map((s) => `'${s}'`).join(', ');

/** Rows one statement deletes at most: each batch is a short transaction, so no writer waits long. */
const BATCH = 500;

/** What one retention run deleted. */
export interface Removed {
  orders: number;
  results: number;
  events: number;
  files: number;
  outbox: number;
  idempotency_keys: number;
  sessions: number;
  audit: number;
}

type Settings = Pick<AppConfig, 'RETENTION_ORDER_DAYS' | 'RETENTION_AUDIT_DAYS' | 'RETENTION_OUTBOX_DAYS' | 'IDEMPOTENCY_KEY_DAYS'>;

/**
 * Deletes what is past its retention (each setting in days; 0 keeps that kind for ever), in
 * batches, and says how much of each. Orders: only finished ones (completed or cancelled), by
 * their last change, with their results, timeline, outbox entries, idempotency keys and leases
 * (foreign keys cascade) and then their screenshot folders. An order being changed right now is
 * skipped (SKIP LOCKED) and taken next time; the order's lock comes first, as for every writer of
 * an order, so this deadlocks with none of them. The audit log keeps its entries about deleted
 * orders until its own setting says.
 */
export async function prune(db: DataSource, evidence: EvidenceStore, settings: Settings, onError: (message: string) => void): Promise<Removed> {
  const removed: Removed = { orders: 0, results: 0, events: 0, files: 0, outbox: 0, idempotency_keys: 0, sessions: 0, audit: 0 };
  if (settings.RETENTION_ORDER_DAYS > 0) {
    for (;;) {
      const [batch]: Array<{ ids: string[]; results: number; events: number }> = await db.query(
        `WITH doomed AS (
           SELECT id FROM jobs WHERE status IN (${FINISHED}) AND updated_at < now() - make_interval(days => $1)
            ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED),
         results AS (SELECT count(*)::int AS n FROM job_results WHERE job_id IN (SELECT id FROM doomed)),
         events AS (SELECT count(*)::int AS n FROM job_events WHERE job_id IN (SELECT id FROM doomed)),
         deleted AS (DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING id)
         SELECT coalesce(array_agg(deleted.id::text), '{}') AS ids, (SELECT n FROM results) AS results, (SELECT n FROM events) AS events FROM deleted`,
        [settings.RETENTION_ORDER_DAYS, BATCH],
      );
      removed.orders += batch.ids.length;
      removed.results += batch.results;
      removed.events += batch.events;
      // After the commit: a screenshot whose order is gone is served by nothing (they are served
      // through their rows). One the store will not give up is named, for an operator to remove.
      for (const id of batch.ids) {
        removed.files += await evidence.removeOrder(id).catch((err: unknown) => {
          onError(`the screenshots of deleted order ${id} were not removed (${(err as Error).message}): remove ${id}/ from the evidence store by hand`);
          return 0;
        });
      }
      if (batch.ids.length < BATCH) break;
    }
  }
  if (settings.RETENTION_OUTBOX_DAYS > 0) {
    removed.outbox = await inBatches(db, 'outbox', 'id', `sent_at < now() - make_interval(days => $1)`, [settings.RETENTION_OUTBOX_DAYS]);
  }
  if (settings.IDEMPOTENCY_KEY_DAYS > 0) {
    removed.idempotency_keys = await inBatches(db, 'idempotency_keys', 'ctid', `created_at < now() - make_interval(days => $1)`, [settings.IDEMPOTENCY_KEY_DAYS]);
  }
  // Expired sign-ins (the session store prunes them too, every 15 minutes).
  removed.sessions = await inBatches(db, 'staff_sessions', 'sid', `expire < now()`, []);
  if (settings.RETENTION_AUDIT_DAYS > 0) {
    removed.audit = await inBatches(db, 'audit_log', 'id', `at < now() - make_interval(days => $1)`, [settings.RETENTION_AUDIT_DAYS]);
  }
  return removed;
}

/** Deletes the rows of `table` where `condition` holds, BATCH at a time; how many. */
async function inBatches(db: DataSource, table: string, key: string, condition: string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const [, n]: [unknown, number] = await db.query(
      `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${condition} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)`,
      params,
    );
    total += n;
    if (n < BATCH) return total;
  }
}
