import type { EntityManager } from 'typeorm';
import { ProblemException } from '../common/problem.filter';
import { entityFromRow } from '../common/entity-from-row';
import { Job } from './job.entity';
import { ACTIVE_JOB_STATUSES, COUNTER_OF, type Counter, isFinal, JobStatus, ResultStatus } from './statuses';
import { recordJobEvent } from './timeline';
import { ALLOWED_FROM, counterDelta, planOrderMove, type OrderMove } from './transitions';

/**
 * The ledger of an order's state in PostgreSQL: the one lock, the status moves, the counters and
 * completion. Every function runs inside its caller's transaction (`m`). Whoever changes an
 * order's status or counters (API actions, staff review, workers' fenced writes) takes the
 * order's lock here first and its result rows after, so none of them can deadlock another.
 * (Writes that touch one row only and no counter, such as the reconciler renumbering a lost
 * queue entry, need no order lock: the row's own lock and the attempt token fence them.)
 */

/**
 * The order's row lock, held until the transaction ends (404 when there is no such order).
 * FOR NO KEY UPDATE: it excludes every other writer of the order, but not the inserts of rows
 * and timeline entries whose foreign keys only take KEY SHARE.
 */
export async function lockOrder(m: EntityManager, id: string): Promise<Job> {
  const job = await m.getRepository(Job).createQueryBuilder('j').setLock('for_no_key_update').where('j.id = :id', { id }).getOne();
  if (!job) throw new ProblemException(404, `job ${id} not found`);
  return job;
}

/**
 * The order's lock and then one of its result rows' locks, taken by one statement over
 * `job_results r JOIN jobs j`: PostgreSQL locks in the order the clauses are written, so the
 * order's lock comes first as everywhere else. Both rows come back as they are once locked
 * (READ COMMITTED re-reads a row that changed while the statement waited for it), as fresh as
 * what a statement after {@link lockOrderOfRow} would read, one round trip sooner.
 */
export const LOCK_ORDER_THEN_ROW = 'FOR NO KEY UPDATE OF j FOR UPDATE OF r';

/** The same lock, taken through one of the order's result rows (undefined when there is no such row). */
export async function lockOrderOfRow(m: EntityManager, resultId: string): Promise<Pick<Job, 'id' | 'status' | 'startedAt'> | undefined> {
  const [order] = await m.query(
    `SELECT id, status, started_at AS "startedAt" FROM jobs WHERE id = (SELECT job_id FROM job_results WHERE id = $1) FOR NO KEY UPDATE`,
    [resultId],
  );
  return order;
}

/**
 * Moves a locked order's status (see transitions.ts): 409 with the reason when the move is not
 * allowed from where the order is. Resolves to the status it moved to.
 */
export async function moveOrder(m: EntityManager, job: Pick<Job, 'id' | 'status' | 'startedAt'>, move: OrderMove): Promise<JobStatus> {
  const plan = planOrderMove(move, { status: job.status, started: job.startedAt !== null });
  if (!plan.ok) throw new ProblemException(409, `cannot ${move} job ${job.id}: ${plan.reason}`);
  if (plan.to !== job.status) await m.query(`UPDATE jobs SET status = $2, updated_at = now() WHERE id = $1`, [job.id, plan.to]);
  return plan.to;
}

/**
 * Counts `n` rows of the order moving from one row status to another (transitions.ts says what
 * each move does). The order's row must be locked; a CHECK constraint keeps the counters within
 * the total whatever a caller does.
 */
export async function countRows(m: EntityManager, jobId: string, from: ResultStatus, to: ResultStatus, n = 1): Promise<void> {
  const sets = Object.entries(counterDelta(from, to)).map(([column, d]) => `${column} = ${column} + ${d * n}`);
  if (n === 0 || !sets.length) return;
  await m.query(`UPDATE jobs SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [jobId]);
}

/**
 * A worker's finish in one statement: `move`, the caller's fenced UPDATE of one of the order's
 * rows (from `from`, its status under the lock, to `to`; RETURNING something when it moved),
 * then {@link countRows} for it and, when it became final, {@link completeIfDone}. Nothing is
 * counted unless the row moved. The order's row and the result row must be locked (so `from` is
 * the row's status, and the counters the completion test reads are the ones this statement
 * moves). `move.params` are $1..$n; the ledger's own follow.
 */
export async function moveRowAndCount(
  m: EntityManager,
  jobId: string,
  from: ResultStatus,
  to: ResultStatus,
  move: { sql: string; params: unknown[] },
): Promise<{ moved: boolean; completed: boolean }> {
  const delta = counterDelta(from, to);
  const counters = Object.values(COUNTER_OF) as Counter[];
  if (!isFinal(to) && !counters.some((c) => delta[c])) {
    const [moved]: [unknown[], number] = await m.query(move.sql, move.params);
    return { moved: moved.length > 0, completed: false };
  }
  const [order, completeFrom] = [`$${move.params.length + 1}`, `$${move.params.length + 2}`];
  // completeIfDone's test, on the counters as this statement leaves them.
  const finished = counters.map((c) => (delta[c] ? `(${c} + ${delta[c]})` : c)).join(' + ');
  const sets = [
    ...counters.filter((c) => delta[c]).map((c) => `${c} = j.${c} + ${delta[c]}`),
    `status = CASE WHEN c.completes THEN 'completed' ELSE j.status END`,
    'completed_at = CASE WHEN c.completes THEN now() ELSE j.completed_at END',
    'updated_at = now()',
  ];
  const [rows]: [Array<{ completes: boolean; outcome: string }>, number] = await m.query(
    `WITH moved AS (${move.sql})
     UPDATE jobs j SET ${sets.join(', ')}
       FROM (SELECT id, ${isFinal(to) ? `status = ANY(${completeFrom}) AND ${finished} = total` : 'false'} AS completes FROM jobs WHERE id = ${order}) c
      WHERE j.id = c.id AND EXISTS (SELECT FROM moved)
      RETURNING c.completes, j.outcome`,
    isFinal(to) ? [...move.params, jobId, ALLOWED_FROM.complete] : [...move.params, jobId],
  );
  if (rows[0]?.completes) await recordJobEvent(m, jobId, 'completed', { outcome: rows[0].outcome });
  return { moved: rows.length > 0, completed: rows[0]?.completes ?? false };
}

/**
 * Marks an active order completed once every directory is final. Called inside the transaction
 * that changed a counter, after the order's row is locked. PostgreSQL computes the order's
 * outcome in the same statement; the timeline records it.
 */
export async function completeIfDone(m: EntityManager, jobId: string): Promise<boolean> {
  const finished = Object.values(COUNTER_OF).join(' + ');
  const [done]: [Array<{ outcome: string }>, number] = await m.query(
    `UPDATE jobs SET status = 'completed', completed_at = now(), updated_at = now()
      WHERE id = $1 AND status = ANY($2) AND ${finished} = total
      RETURNING outcome`,
    [jobId, ALLOWED_FROM.complete],
  );
  if (done.length) await recordJobEvent(m, jobId, 'completed', { outcome: done[0].outcome });
  return done.length > 0;
}

/**
 * A worker claimed one of the order's rows: a queued order is running from now on. `status` is
 * the order's, read under the lock the caller holds: an order that cannot start (already running)
 * costs no statement.
 */
export async function markStarted(m: EntityManager, jobId: string, status: JobStatus): Promise<void> {
  if (!ALLOWED_FROM.start.includes(status)) return;
  const [started]: [unknown[], number] = await m.query(
    `UPDATE jobs SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = $1 AND status = ANY($2) RETURNING id`,
    [jobId, ALLOWED_FROM.start],
  );
  if (started.length) await recordJobEvent(m, jobId, 'started');
}

export interface NewOrder {
  customerId: string;
  /** The account the customer must belong to; null for a caller who reaches every account. */
  accountId: string | null;
  /** The order's directories: these, in this order (unique ids), or else the first `packageSize` enabled ones. */
  directoryIds: string[] | null;
  packageSize: number | null;
  priority: number;
  /** Staff approve each order before it runs. */
  awaitApproval: boolean;
  idempotencyKey: string | null;
  /** The id of the request that opens it (logs about the order carry it). */
  requestId: string | null;
  /** That request's W3C traceparent when tracing is on: the order's queue entries join its trace. */
  traceParent: string | null;
  /**
   * The account whose open orders (`statuses`) may number at most `max`, counting whoever made
   * them; null for a caller the limit does not hold back.
   */
  openLimit: { accountId: string; max: number; statuses: readonly string[] } | null;
}

/**
 * An opened order, or why none was: no such customer (for the caller), directories missing, or
 * the account already has as many open orders as it may (`open` of them).
 */
export type OpenedOrder = { job: Job } | { missing: 'customer' } | { missing: 'directories'; enabled: string[] } | { refused: 'open-orders'; open: number };

/**
 * Opens an order: its row, one result row per directory, the outbox entry that queues them, and
 * the timeline's first entry (the rows enqueueOrder and recordJobEvent would write). One statement,
 * one round trip, atomic without a transaction of its own: it checks the customer, chooses the
 * directories and holds the open-order limit as it writes, and writes nothing when one of them
 * says no. Foreign keys are checked at the statement's end, when the order's row is there.
 *
 * The limit: lock_account_count_open_orders (migrations/1764100000000-open-orders-count.ts) locks
 * the account's row until the transaction ends and then counts with a snapshot of its own, taken
 * after the lock, so concurrent orders of one account are counted one after another, each seeing
 * the ones committed before it.
 */
export async function openOrder(m: EntityManager, order: NewOrder): Promise<OpenedOrder> {
  const status: JobStatus = order.awaitApproval ? 'awaiting_approval' : 'queued';
  const byId = order.directoryIds !== null;
  const limit = order.openLimit;
  // The flags come after job.* and are named so that no column of jobs can take their place.
  const [row]: Array<
    Record<string, unknown> & { opened_customer_found: boolean; opened_complete: boolean; opened_enabled: string[] | null; opened_open_orders: number | null }
  > = await m.query(
    `WITH customer AS (SELECT id FROM customers WHERE id = $1 AND ($2::uuid IS NULL OR account_id = $2)),
     chosen AS (${
       byId
         ? `SELECT d.id, u.n FROM unnest($3::text[]) WITH ORDINALITY AS u(id, n) JOIN directories d ON d.id = u.id AND d.enabled`
         : `SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM directories WHERE enabled ORDER BY position, id LIMIT $3`
     }),
     complete AS (SELECT count(*) = ${byId ? 'cardinality($3::text[])' : '$3'} AS ok, count(*)::int AS n FROM chosen),
     open_orders AS (SELECT ${limit ? 'lock_account_count_open_orders($11, NULL, $12)' : 'NULL::int'} AS n),
     job AS (
       INSERT INTO jobs (type, customer_id, package_size, priority, status, total, idempotency_key, metadata, request_id, trace_parent)
       SELECT 'directory_submission', customer.id, $4, $5, $6, complete.n, $7, '{}', $9, $10 FROM customer, complete, open_orders
        WHERE complete.ok${limit ? ' AND open_orders.n < $13' : ''}
       RETURNING *),
     results AS (INSERT INTO job_results (job_id, directory_id) SELECT job.id, chosen.id FROM job, chosen ORDER BY chosen.n),
     outbox AS (INSERT INTO outbox (topic, job_id) SELECT 'enqueue_job', job.id FROM job WHERE $8),
     timeline AS (INSERT INTO job_events (job_id, type, detail) SELECT job.id, 'created', jsonb_build_object('status', job.status, 'total', job.total) FROM job)
     SELECT job.*, EXISTS (SELECT 1 FROM customer) AS opened_customer_found, complete.ok AS opened_complete,
            CASE WHEN NOT complete.ok THEN ARRAY(SELECT id FROM chosen ORDER BY n) END AS opened_enabled,
            open_orders.n AS opened_open_orders
       FROM complete CROSS JOIN open_orders LEFT JOIN job ON true`,
    [
      // $3: the ids (text[]) or the package's size, whichever chooses the directories above.
      order.customerId, order.accountId, order.directoryIds ?? order.packageSize,
      order.packageSize, order.priority, status, order.idempotencyKey, (ACTIVE_JOB_STATUSES as readonly string[]).includes(status), order.requestId, order.traceParent,
      ...(limit ? [limit.accountId, limit.statuses, limit.max] : []),
    ],
  );
  if (!row.opened_customer_found) return { missing: 'customer' };
  if (!row.opened_complete) return { missing: 'directories', enabled: row.opened_enabled ?? [] };
  if (limit && Number(row.opened_open_orders) >= limit.max) return { refused: 'open-orders', open: Number(row.opened_open_orders) };
  return { job: entityFromRow(m, Job, row) };
}
