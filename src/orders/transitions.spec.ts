import { COUNTER_OF, JOB_STATUSES, JobStatus, RESULT_STATUSES, ResultStatus } from './statuses';
import { ALLOWED_FROM, attemptMayMove, countersAfter, Counters, done, mayMoveRow, OrderMove, planOrderMove, rowOpenness, rowStatusesInto } from './transitions';

/**
 * The rules of an order's state, written out here a second time as plain tables, so that a
 * change to transitions.ts that moves a rule shows up as a failing line. Every (move, status)
 * and every (row status, row status) pair is checked: the allowed ones and the refused ones.
 */

/** move -> status it starts from -> where it takes the order ([started=false, started=true] for resume). */
const ORDER_RULES: Record<OrderMove, Partial<Record<JobStatus, JobStatus | [JobStatus, JobStatus]>>> = {
  approve: { awaiting_approval: 'queued' },
  pause: { queued: 'paused', running: 'paused' },
  resume: { paused: ['queued', 'running'] },
  cancel: { awaiting_approval: 'cancelled', queued: 'cancelled', running: 'cancelled', paused: 'cancelled' },
  retry: { queued: 'queued', running: 'running', paused: 'paused', completed: 'queued' },
  start: { queued: 'running' },
  complete: { queued: 'completed', running: 'completed' },
  reopen: { queued: 'queued', running: 'running', paused: 'paused', completed: 'running' },
};

describe('an order', () => {
  const cases = (Object.keys(ORDER_RULES) as OrderMove[]).flatMap((move) => JOB_STATUSES.flatMap((status) => [false, true].map((started) => ({ move, status, started }))));

  it.each(cases)('$move from $status (started: $started)', ({ move, status, started }) => {
    const rule = ORDER_RULES[move][status];
    const plan = planOrderMove(move, { status, started });
    if (rule === undefined) {
      expect(plan).toEqual({ ok: false, reason: expect.stringContaining(`it is ${status}`) });
    } else {
      expect(plan).toEqual({ ok: true, to: Array.isArray(rule) ? rule[started ? 1 : 0] : rule });
    }
  });

  it('says in a refusal which statuses the move needs', () => {
    expect(planOrderMove('pause', { status: 'completed', started: true })).toEqual({ ok: false, reason: 'it is completed (pause needs queued or running)' });
  });

  it('never leaves completed or cancelled except by a retry or a reopen of a completed order', () => {
    for (const move of Object.keys(ALLOWED_FROM) as OrderMove[]) {
      expect(planOrderMove(move, { status: 'cancelled', started: true }).ok).toBe(false);
      expect(planOrderMove(move, { status: 'completed', started: true }).ok).toBe(move === 'retry' || move === 'reopen');
    }
  });
});

/** Every move a row may make, as "from>to". */
const ROW_RULES = new Set([
  ...['pending', 'retry'].flatMap((from) => ['submitting', 'retry', 'submitted', 'failed', 'needs_review', 'blocked_by_policy', 'cancelled'].map((to) => `${from}>${to}`)),
  ...['submitting', 'retry', 'pending', 'submitted', 'failed', 'needs_review', 'blocked_by_policy', 'cancelled'].map((to) => `submitting>${to}`),
  'failed>pending',
  'needs_review>pending',
  'needs_review>submitted',
  'needs_review>failed',
]);

describe('a row', () => {
  const pairs = RESULT_STATUSES.flatMap((from) => RESULT_STATUSES.map((to) => ({ from, to })));

  it.each(pairs)('$from -> $to', ({ from, to }) => {
    expect(mayMoveRow(from, to)).toBe(ROW_RULES.has(`${from}>${to}`));
  });

  it('submitted, cancelled and blocked_by_policy are for good', () => {
    for (const from of ['submitted', 'cancelled', 'blocked_by_policy'] as const) expect(RESULT_STATUSES.filter((to) => mayMoveRow(from, to))).toEqual([]);
  });

  it('rowStatusesInto lists exactly the statuses a row may come from', () => {
    for (const to of RESULT_STATUSES) expect(rowStatusesInto(to).sort()).toEqual(RESULT_STATUSES.filter((from) => ROW_RULES.has(`${from}>${to}`)).sort());
  });

  it('an attempt may write its outcome over any unfinished row, except `pending`, which only follows a verified interrupted click', () => {
    for (const to of ['submitting', 'retry', 'submitted', 'failed', 'needs_review', 'blocked_by_policy', 'cancelled'] as const) {
      expect([to, attemptMayMove(to).sort()]).toEqual([to, ['pending', 'retry', 'submitting']]);
    }
    expect(attemptMayMove('pending')).toEqual(['submitting']);
  });

  it.each(JOB_STATUSES.flatMap((order) => RESULT_STATUSES.map((row) => ({ order, row }))))('is open for an attempt: $row in a $order order', ({ order, row }) => {
    const open = row === 'submitting' || ((row === 'pending' || row === 'retry') && (order === 'queued' || order === 'running'));
    expect(rowOpenness(row, order).open).toBe(open);
  });
});

describe("an order's counters", () => {
  const zero = (total: number): Counters => ({ total, submitted: 0, failed: 0, cancelled: 0, needs_review: 0, blocked: 0 });

  it('a final status counts once; leaving it takes it back', () => {
    let c = countersAfter(zero(3), 'pending', 'needs_review');
    expect(c).toMatchObject({ needs_review: 1 });
    c = countersAfter(c, 'needs_review', 'submitted');
    expect(c).toMatchObject({ needs_review: 0, submitted: 1 });
    c = countersAfter(countersAfter(c, 'retry', 'failed'), 'failed', 'pending');
    expect(c).toMatchObject({ submitted: 1, failed: 0 });
    expect(countersAfter(c, 'pending', 'cancelled', 2)).toMatchObject({ submitted: 1, cancelled: 2 });
  });

  it('refuses a move the rules do not allow, and one that would count past the total or below zero', () => {
    expect(() => countersAfter(zero(1), 'submitted', 'pending')).toThrow('cannot move from submitted to pending');
    expect(() => countersAfter(countersAfter(zero(1), 'pending', 'submitted'), 'pending', 'failed')).toThrow("more than the order's 1");
    expect(() => countersAfter(zero(2), 'failed', 'pending')).toThrow('below zero');
  });

  it('over any run of allowed moves, each counter is the number of rows in its status and never passes the total', () => {
    // mulberry32: a fixed seed, so a failure repeats
    let seed = 42;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const wrong: string[] = [];
    let moved = 0;
    for (let run = 0; run < 200; run++) {
      const rows: ResultStatus[] = Array.from({ length: 1 + random(6) }, () => 'pending');
      let c = zero(rows.length);
      for (let step = 0; step < 40; step++) {
        const i = random(rows.length);
        const to = RESULT_STATUSES[random(RESULT_STATUSES.length)];
        if (!mayMoveRow(rows[i], to)) {
          try {
            countersAfter(c, rows[i], to);
            wrong.push(`${rows[i]} -> ${to} was counted`);
          } catch {
            // refused, as it should be
          }
          continue;
        }
        c = countersAfter(c, rows[i], to);
        rows[i] = to;
        moved++;
        for (const [status, counter] of Object.entries(COUNTER_OF)) {
          if (c[counter] !== rows.filter((s) => s === status).length) wrong.push(`${counter} is ${c[counter]} with rows ${rows.join(',')}`);
        }
        if (done(c) > c.total) wrong.push(`${done(c)} of ${c.total} counted`);
      }
    }
    expect(wrong).toEqual([]);
    expect(moved).toBeGreaterThan(1000);
  });
});
