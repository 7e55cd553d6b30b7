import type { EntityManager } from 'typeorm';
import { ProblemException } from '../common/problem.filter';
import { OPEN_JOB_STATUSES } from '../orders/statuses';

/** Orders take minutes to finish: asking again sooner than this is unlikely to find a free place. */
const OPEN_ORDERS_RETRY_AFTER_S = 60;

/**
 * Refuses to open one more order (a new one, or a finished one retried) when the account has as
 * many open orders as it may. The account's row stays locked until the caller's transaction ends,
 * so concurrent requests for one account count one after another and cannot pass the limit
 * together. FOR NO KEY UPDATE: it does not wait for, nor hold up, customers being added to the
 * account (their foreign key takes KEY SHARE). Orders of the account's customers count whoever
 * made them, staff and admin keys included. A caller that takes it last, once its own writes are
 * done (`opening`), holds the account up only for the count and the commit; a refused order's
 * writes are then rolled back.
 */
export async function holdOpenOrderLimit(m: EntityManager, accountId: string, limit: number, opts: { opening?: string } = {}): Promise<void> {
  // One round trip: the function locks the account's row, then counts with a snapshot taken after
  // the lock (migrations/1764100000000-open-orders-count.ts says why it cannot be one statement).
  // `opening`: the order the caller's transaction has just written, which is not counted against itself.
  const [{ open }]: Array<{ open: number }> = await m.query(`SELECT lock_account_count_open_orders($1, $2, $3) AS open`, [
    accountId,
    opts.opening ?? null,
    OPEN_JOB_STATUSES,
  ]);
  if (open >= limit) {
    throw new ProblemException(
      'open-orders-limit',
      `This account has ${open} open orders (awaiting approval, queued, running or paused) and may have at most ${limit} at once. Retry when one has finished, or cancel one.`,
      undefined,
      { 'Retry-After': String(OPEN_ORDERS_RETRY_AFTER_S) },
    );
  }
}
