import type { EntityManager } from 'typeorm';
import { ProblemException } from '../src/common/problem.filter';
import { completeIfDone, countRows, lockOrder, moveRowAndCount } from '../src/orders/ledger';
import { openRowSql } from '../src/orders/open-rows';
import { applyOrderAction } from '../src/orders/order-actions';
import { decideReview, REVIEW_DECISIONS } from '../src/orders/review';
import { isFinal, JOB_STATUSES, JobStatus, RESULT_STATUSES, ResultStatus } from '../src/orders/statuses';
import { ORDER_ACTIONS, planOrderMove, ROW_MOVES, rowOpenness } from '../src/orders/transitions';
import { createTestDatabase, TestDatabase } from '../harness/database';

/**
 * The ledger in PostgreSQL follows the rules of src/orders/transitions.ts (pinned by its unit
 * tests): every order action from every status either makes the planned move or is refused with
 * 409 and changes nothing; the counters always equal the rows in each final status; the open-row
 * condition in SQL answers as the one in code. Real PostgreSQL, the real migrations.
 */
let db: TestDatabase;
let customerId: string;
beforeAll(async () => {
  db = await createTestDatabase('ledger');
  await db.dataSource.query(`INSERT INTO directories (id, name, submit_url, position, adapter) SELECT 'd-' || n, 'Directory ' || n, 'https://d' || n || '.example/', n, '{}' FROM generate_series(1, 3) n`);
  [{ id: customerId }] = await db.dataSource.query(
    `INSERT INTO customers (business_name, email, phone, website, address, city, state, zip, country, category, description)
     VALUES ('Ledger Ltd', 'ledger@example.com', '1', 'https://ledger.example', 'a', 'b', 'c', 'd', 'US', 'e', 'f') RETURNING id`,
  );
});
afterAll(() => db?.drop());

const COUNTER: Partial<Record<ResultStatus, string>> = { submitted: 'submitted', failed: 'failed', cancelled: 'cancelled', needs_review: 'needs_review', blocked_by_policy: 'blocked' };

/** An order in `status` with three rows: one failed, one submitted, and a third that fits the status. */
async function order(status: JobStatus, started: boolean, third: ResultStatus = status === 'completed' ? 'submitted' : status === 'cancelled' ? 'cancelled' : 'pending'): Promise<string> {
  const rows: ResultStatus[] = ['failed', 'submitted', third];
  const count = (s: ResultStatus) => rows.filter((r) => COUNTER[r] && COUNTER[r] === COUNTER[s]).length;
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO jobs (customer_id, status, total, submitted, failed, cancelled, needs_review, blocked, started_at)
     VALUES ($1, $2, 3, $3, $4, $5, $6, 0, $7) RETURNING id`,
    [customerId, status, count('submitted'), count('failed'), count('cancelled'), count('needs_review'), started ? new Date() : null],
  );
  await db.dataSource.query(`INSERT INTO job_results (job_id, directory_id, status) SELECT $1, 'd-' || n, s FROM unnest($2::text[]) WITH ORDINALITY AS t(s, n)`, [id, rows]);
  return id;
}

/** Everything about an order that a move may change. */
async function snapshot(id: string) {
  const [job] = await db.dataSource.query(`SELECT status, submitted, failed, cancelled, needs_review, blocked, total FROM jobs WHERE id = $1`, [id]);
  const rows = (await db.dataSource.query(`SELECT status FROM job_results WHERE job_id = $1 ORDER BY id`, [id])).map((r: { status: string }) => r.status);
  const [{ events }] = await db.dataSource.query(`SELECT count(*)::int AS events FROM job_events WHERE job_id = $1`, [id]);
  const [{ outbox }] = await db.dataSource.query(`SELECT count(*)::int AS outbox FROM outbox WHERE job_id = $1`, [id]);
  return { job, rows, events, outbox };
}

/** Each counter equals the number of rows in its status, and they never pass the total. */
function expectCountersTrue({ job, rows }: Awaited<ReturnType<typeof snapshot>>) {
  for (const [status, column] of Object.entries(COUNTER)) expect([column, job[column as string]]).toEqual([column, rows.filter((r: string) => r === status).length]);
  expect(job.submitted + job.failed + job.cancelled + job.needs_review + job.blocked).toBeLessThanOrEqual(job.total);
}

const act = (id: string, fn: (m: EntityManager) => Promise<unknown>) => db.dataSource.transaction(fn);

describe('every order action from every status', () => {
  const cases = ORDER_ACTIONS.flatMap((action) => JOB_STATUSES.flatMap((status) => [false, true].map((started) => ({ action, status, started }))));

  it.each(cases)('$action on a $status order (started: $started)', async ({ action, status, started }) => {
    const id = await order(status, started);
    const before = await snapshot(id);
    expectCountersTrue(before);
    const plan = planOrderMove(action, { status, started });
    const run = act(id, async (m) => applyOrderAction(m, await lockOrder(m, id), action));
    if (!plan.ok) {
      await expect(run).rejects.toMatchObject({ constructor: ProblemException, status: 409 });
      expect(await snapshot(id)).toEqual(before);
      return;
    }
    await run;
    const after = await snapshot(id);
    expect(after.job.status).toBe(action === 'retry' && status === 'completed' ? 'queued' : plan.to);
    expect(after.events).toBe(before.events + 1);
    expectCountersTrue(after);
    if (action === 'cancel') expect(after.rows).toEqual(['failed', 'submitted', status === 'awaiting_approval' || before.rows[2] === 'pending' ? 'cancelled' : before.rows[2]]);
    if (action === 'retry') expect(after.rows[0]).toBe('pending');
    // What must reach the queue goes through the outbox, in the same transaction.
    expect(after.outbox - before.outbox).toBe(['approve', 'resume'].includes(action) || (action === 'retry' && after.job.status !== 'paused') ? 1 : 0);
  });

  it('a retry of an order with no failed directory is refused and changes nothing', async () => {
    const id = await order('running', true);
    await db.dataSource.query(`UPDATE job_results SET status = 'pending' WHERE job_id = $1 AND status = 'failed'`, [id]);
    await db.dataSource.query(`UPDATE jobs SET failed = 0 WHERE id = $1`, [id]);
    const before = await snapshot(id);
    await expect(act(id, async (m) => applyOrderAction(m, await lockOrder(m, id), 'retry'))).rejects.toThrow('it has no failed directories');
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('staff review of a needs_review row', () => {
  it.each(REVIEW_DECISIONS.flatMap((decision) => (['running', 'paused', 'completed', 'cancelled'] as const).map((status) => ({ decision, status }))))(
    '$decision in a $status order',
    async ({ decision, status }) => {
      const id = await order(status, true, 'needs_review');
      const [{ id: resultId }] = await db.dataSource.query(`SELECT id::text FROM job_results WHERE job_id = $1 AND status = 'needs_review'`, [id]);
      const before = await snapshot(id);
      const run = act(id, (m) => decideReview(m, resultId, decision, 'staff@example.com'));
      if (decision === 'resubmit' && status === 'cancelled') {
        await expect(run).rejects.toThrow('the order is cancelled');
        expect(await snapshot(id)).toEqual(before);
        return;
      }
      await run;
      const after = await snapshot(id);
      expectCountersTrue(after);
      expect(after.rows[2]).toBe(decision === 'resubmit' ? 'pending' : decision);
      // The last open row decided: a running order is complete; a resubmitted one runs again.
      const expected = decision === 'resubmit' ? (status === 'completed' ? 'running' : status) : status === 'running' ? 'completed' : status;
      expect(after.job.status).toBe(expected);
    },
  );

  it('refuses a row that is not awaiting review, and changes nothing', async () => {
    const id = await order('running', true);
    const [{ id: resultId }] = await db.dataSource.query(`SELECT id::text FROM job_results WHERE job_id = $1 AND status = 'submitted'`, [id]);
    const before = await snapshot(id);
    await expect(act(id, (m) => decideReview(m, resultId, 'failed', 'staff@example.com'))).rejects.toThrow('is submitted, not awaiting review');
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('the counters', () => {
  // A worker's finish moves its row, counts it and completes the order in one statement: the
  // same as the row's UPDATE, countRows, then completeIfDone when the row became final, for every
  // move from every status.
  const moves = JOB_STATUSES.flatMap((status) => (Object.entries(ROW_MOVES) as Array<[ResultStatus, ResultStatus[]]>).flatMap(([from, tos]) => tos.map((to) => ({ status, from, to }))));
  const moveThird = (id: string, to: ResultStatus) => ({ sql: `UPDATE job_results SET status = $2 WHERE job_id = $1 AND directory_id = 'd-3' RETURNING id`, params: [id, to] });
  it.each(moves)('moveRowAndCount on a $status order: $from -> $to', async ({ status, from, to }) => {
    const outcomes = [];
    for (const oneStatement of [false, true]) {
      const id = await order(status, true, from);
      const move = act(id, async (m) => {
        await lockOrder(m, id);
        if (oneStatement) return (await moveRowAndCount(m, id, from, to, moveThird(id, to))).completed;
        await m.query(moveThird(id, to).sql, moveThird(id, to).params);
        await countRows(m, id, from, to);
        return isFinal(to) && completeIfDone(m, id);
      });
      const completed = await move.catch((err: Error) => `refused: ${err.message}`);
      const after = await snapshot(id);
      const [{ outcome, completed_at }] = await db.dataSource.query(`SELECT outcome, completed_at IS NOT NULL AS completed_at FROM jobs WHERE id = $1`, [id]);
      const events = await db.dataSource.query(`SELECT type, detail FROM job_events WHERE job_id = $1 ORDER BY id`, [id]);
      outcomes.push({ completed, ...after, outcome, completed_at, events });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    if (typeof outcomes[1].completed === 'boolean') expectCountersTrue(outcomes[1]);
  });

  it('moveRowAndCount counts nothing when the row did not move (its fence kept the write out)', async () => {
    const id = await order('running', true, 'pending');
    const before = await snapshot(id);
    const fenced = { sql: `UPDATE job_results SET status = 'submitted' WHERE job_id = $1 AND directory_id = 'd-3' AND attempt_token = $2 RETURNING id`, params: [id, '00000000-0000-0000-0000-000000000000'] };
    expect(await act(id, async (m) => moveRowAndCount(m, id, 'pending', 'submitted', fenced))).toEqual({ moved: false, completed: false });
    expect(await snapshot(id)).toEqual(before);
  });

  it('PostgreSQL refuses to count past the total, whatever a caller does', async () => {
    const id = await order('completed', true);
    await expect(act(id, (m) => countRows(m, id, 'pending', 'submitted'))).rejects.toThrow(/jobs_counters_within_total/);
    await expect(act(id, (m) => countRows(m, id, 'needs_review', 'submitted'))).rejects.toThrow(/needs_review_check/);
  });
});

it('the open-row condition in SQL answers as the one in code, for every pair of statuses', async () => {
  const pairs = JOB_STATUSES.flatMap((order) => RESULT_STATUSES.map((row) => ({ order, row })));
  const answers: Array<{ order: string; row: string; open: boolean }> = await db.dataSource.query(
    `SELECT j.status AS order, r.status AS row, ${openRowSql('r', 'j')} AS open
       FROM unnest($1::text[], $2::text[]) AS t(o, s), LATERAL (SELECT t.o AS status) j, LATERAL (SELECT t.s AS status) r`,
    [pairs.map((p) => p.order), pairs.map((p) => p.row)],
  );
  expect(answers).toEqual(pairs.map((p) => ({ ...p, open: rowOpenness(p.row, p.order).open })));
});
