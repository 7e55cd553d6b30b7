import type { EntityManager } from 'typeorm';
import { ProblemException } from '../common/problem.filter';
import { OPEN_JOB_STATUSES } from '../orders/statuses';

/** Orders take minutes to finish: asking again sooner than this is unlikely to find a free place. */
const OPEN_ORDERS_RETRY_AFTER_S = 60;

/** The 429 of an account that has `open` open orders and may have at most `max`. */
export function openOrdersLimitProblem(open: number, max: number): ProblemException {
  return new ProblemException(
    'open-orders-limit',
    `This account has ${open} open orders (awaiting approval, queued, running or paused) and may have at most ${max} at once. Retry when one has finished, or cancel one.`,
    undefined,
    { 'Retry-After': String(OPEN_ORDERS_RETRY_AFTER_S) },
  );
}

/**
 * Refuses to reopen an order (a finished one retried) when the account has as many open orders as
 * it may. The account's row stays locked until the caller's transaction ends, so concurrent
 * requests for one account count one after another and cannot pass the limit together.
 * FOR NO KEY UPDATE: it does not wait for, nor hold up, customers being added to the account
 * (their foreign key takes KEY SHARE). A new order holds the same limit inside the statement that
 * opens it (openOrder in src/orders/ledger.ts).
 */
export async function holdOpenOrderLimit(m: EntityManager, accountId: string, max: number): Promise<void> {
  // One round trip: the function locks the account's row, then counts with a snapshot taken after
  // the lock (migrations/1764100000000-open-orders-count.ts says why it cannot be one statement).
  const [{ open }]: Array<{ open: number }> = await m.query(`SELECT lock_account_count_open_orders($1, NULL, $2) AS open`, [accountId, OPEN_JOB_STATUSES]);
  if (open >= max) throw openOrdersLimitProblem(open, max);
}
