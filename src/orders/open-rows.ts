import type { EntityManager } from 'typeorm';
import { ACTIVE_JOB_STATUSES, WAITING_ROW_STATUSES } from './statuses';

/**
 * The open-row condition ({@link rowOpenness} in transitions.ts) as SQL, for the queries that
 * look for rows to queue: `r` is the `job_results` alias, `j` the joined `jobs`. A test holds the
 * two to the same answer for every pair of statuses.
 */
const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** A row owed an attempt: its order is active and no attempt has it. */
export const waitingRowSql = (r = 'r', j = 'j') => `(${j}.status IN (${list(ACTIVE_JOB_STATUSES)}) AND ${r}.status IN (${list(WAITING_ROW_STATUSES)}))`;

/** A row a worker must still see: waiting, or clicked with its outcome unknown (whatever the order). */
export const openRowSql = (r = 'r', j = 'j') => `(${waitingRowSql(r, j)} OR ${r}.status = 'submitting')`;

/** A row to put on the queue, as read from `job_results` joined with its order. */
export interface QueueableRow {
  resultId: string;
  generation: number;
  jobId: string;
  directoryId: string;
  priority: number;
  /** The directory's definition says a person finishes the form (its entries go to their own queue). */
  assisted: boolean;
  /** The id of the request that opened the order, for the logs (null for orders from before it was kept). */
  requestId: string | null;
  /** That request's W3C traceparent, when it was traced: the entries join its trace. */
  traceParent: string | null;
}

/** The SELECT list of a QueueableRow over `job_results r JOIN jobs j JOIN directories d`. */
export const QUEUEABLE_COLUMNS = `r.id::text AS "resultId", r.generation, r.job_id AS "jobId", r.directory_id AS "directoryId", j.priority,
       coalesce((d.adapter->>'assisted')::boolean, false) AS assisted, j.request_id AS "requestId",
       j.trace_parent AS "traceParent"`;

/** Rows of an order waiting for an attempt, with the generation their queue entries carry (to withdraw or move them). */
export function waitingRows(m: EntityManager, jobId: string): Promise<Array<{ resultId: string; generation: number }>> {
  return m.query(`SELECT id::text AS "resultId", generation FROM job_results WHERE job_id = $1 AND status IN (${list(WAITING_ROW_STATUSES)})`, [jobId]);
}
