import { ACTIVE_JOB_STATUSES, COUNTER_OF, Counter, isFinal, JobStatus, ResultStatus, UNFINISHED_ROW_STATUSES, WAITING_ROW_STATUSES } from './statuses';

/**
 * The rules of an order's state, as data: which moves an order and its rows may make, and what a
 * row's move does to the order's counters. Pure, so that every allowed and refused move is
 * unit-tested (transitions.spec.ts); the ledger's SQL takes its status lists from here.
 */

/** What staff and API clients may do to an order. */
export const ORDER_ACTIONS = ['approve', 'pause', 'resume', 'cancel', 'retry'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** What moves an order's status: staff actions, and the ledger's own moves as rows progress. */
export type OrderMove =
  | OrderAction
  /** A worker claimed the order's first row. */
  | 'start'
  /** Every row is final (the counters reached the total). */
  | 'complete'
  /** Staff sent a reviewed row back to be submitted again. */
  | 'reopen';

/** Which statuses each move may start from. */
export const ALLOWED_FROM: Record<OrderMove, readonly JobStatus[]> = {
  approve: ['awaiting_approval'],
  pause: ['queued', 'running'],
  resume: ['paused'],
  cancel: ['awaiting_approval', 'queued', 'running', 'paused'],
  retry: ['queued', 'running', 'paused', 'completed'],
  start: ['queued'],
  complete: ['queued', 'running'],
  reopen: ['queued', 'running', 'paused', 'completed'],
};

export type Planned = { ok: true; to: JobStatus } | { ok: false; reason: string };

/**
 * Where `move` takes an order that is `status`, or why it may not. `started`: the order has had
 * a row claimed (a resumed order goes back to where it was, queued or running).
 */
export function planOrderMove(move: OrderMove, order: { status: JobStatus; started: boolean }): Planned {
  if (!ALLOWED_FROM[move].includes(order.status)) {
    return { ok: false, reason: `it is ${order.status} (${move} needs ${ALLOWED_FROM[move].join(' or ')})` };
  }
  switch (move) {
    case 'approve':
      return { ok: true, to: 'queued' };
    case 'pause':
      return { ok: true, to: 'paused' };
    case 'resume':
      return { ok: true, to: order.started ? 'running' : 'queued' };
    case 'cancel':
      return { ok: true, to: 'cancelled' };
    case 'start':
      return { ok: true, to: 'running' };
    case 'complete':
      return { ok: true, to: 'completed' };
    // A finished order runs again; an unfinished one keeps its status (a paused one takes the
    // rows on resume).
    case 'retry':
      return { ok: true, to: order.status === 'completed' ? 'queued' : order.status };
    case 'reopen':
      return { ok: true, to: order.status === 'completed' ? 'running' : order.status };
  }
}

/**
 * Every move a row may make. Workers move unfinished rows (an attempt's outcome; `pending` and
 * `cancelled` only when an interrupted click is verified after the order was paused or
 * cancelled); staff move `failed` rows back to `pending` (retry) and decide `needs_review` ones.
 * `submitted`, `cancelled` and `blocked_by_policy` are for good.
 */
export const ROW_MOVES: Record<ResultStatus, readonly ResultStatus[]> = {
  pending: ['submitting', 'retry', 'submitted', 'failed', 'needs_review', 'blocked_by_policy', 'cancelled'],
  retry: ['submitting', 'retry', 'submitted', 'failed', 'needs_review', 'blocked_by_policy', 'cancelled'],
  submitting: ['submitting', 'retry', 'pending', 'submitted', 'failed', 'needs_review', 'blocked_by_policy', 'cancelled'],
  failed: ['pending'],
  needs_review: ['pending', 'submitted', 'failed'],
  submitted: [],
  cancelled: [],
  blocked_by_policy: [],
};

export const mayMoveRow = (from: ResultStatus, to: ResultStatus): boolean => ROW_MOVES[from].includes(to);

/** The statuses a row may be in to move to `to`: the `WHERE status = ANY(...)` of a fenced write. */
export const rowStatusesInto = (to: ResultStatus): ResultStatus[] =>
  (Object.keys(ROW_MOVES) as ResultStatus[]).filter((from) => mayMoveRow(from, to));

/** The statuses from which an attempt (a worker's fenced write) may move its row to `to`: unfinished ones only, whatever staff may do. */
export const attemptMayMove = (to: ResultStatus): ResultStatus[] => rowStatusesInto(to).filter((s) => (UNFINISHED_ROW_STATUSES as readonly string[]).includes(s));

export type Counters = Record<Counter, number> & { total: number };

/** What a row's move does to its order's counters: one off the counter it leaves, one on the one it enters. */
export function counterDelta(from: ResultStatus, to: ResultStatus): Partial<Record<Counter, number>> {
  const delta: Partial<Record<Counter, number>> = {};
  if (from === to) return delta;
  if (isFinal(from)) delta[COUNTER_OF[from]] = -1;
  if (isFinal(to)) delta[COUNTER_OF[to]] = (delta[COUNTER_OF[to]] ?? 0) + 1;
  return delta;
}

export const done = (c: Counters): number => c.submitted + c.failed + c.cancelled + c.needs_review + c.blocked;

/**
 * The counters after `n` rows move; throws on a move that is not allowed or would break a counter.
 * The model of what `countRows` (ledger.ts) does with the same {@link counterDelta}, for the
 * property tests; in PostgreSQL a CHECK constraint holds the same bounds.
 */
export function countersAfter(c: Counters, from: ResultStatus, to: ResultStatus, n = 1): Counters {
  if (!mayMoveRow(from, to)) throw new RangeError(`a row cannot move from ${from} to ${to}`);
  const next = { ...c };
  for (const [counter, d] of Object.entries(counterDelta(from, to)) as Array<[Counter, number]>) next[counter] += d * n;
  if ((Object.values(COUNTER_OF) as Counter[]).some((k) => next[k] < 0)) throw new RangeError(`${from} -> ${to} would take a counter below zero`);
  if (done(next) > next.total) throw new RangeError(`${from} -> ${to} would count more than the order's ${next.total} directories`);
  return next;
}

/**
 * Whether a worker may attempt a row now, or why not: the open-row condition. A row waiting for an
 * attempt is open while its order is active; a `submitting` row (an interrupted click) is open
 * whatever the order's status, so that it is verified and ends truthful.
 */
export function rowOpenness(row: ResultStatus, order: JobStatus): { open: true } | { open: false; reason: string } {
  if (row === 'submitting') return { open: true };
  if (!(WAITING_ROW_STATUSES as readonly string[]).includes(row)) return { open: false, reason: `already ${row}` };
  if (!(ACTIVE_JOB_STATUSES as readonly string[]).includes(order)) return { open: false, reason: `order is ${order}` };
  return { open: true };
}
