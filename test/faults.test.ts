import { CrashPoint } from '../src/common/crash-point';
import { CUSTOMER_FIELDS } from '../src/customers/customer-fields';
import { LAYOUT_NAMES, type LayoutName } from '../src/sandbox/adapters';
import { SITES } from '../src/sandbox/pages';
import { behaviourOf, layoutOf } from '../src/sandbox/behaviour';
import type { PageFault } from '../src/sandbox/page-faults';
import IORedis from 'ioredis';
import { readFleet } from '../src/live/fleet';
import { waitFor } from '../harness/wait';
import { awkwardCustomer, BAD_REQUESTS } from './faults/bad-requests';
import { check, Counters } from './faults/checker';
import { FaultHarness, quickDirectories } from './faults/harness';
import { CUSTOMER } from './support/api-app';
import { DEADLINE } from './support/deadlines';

/**
 * The fault suite: crashes, deploys, stalls and Redis outages at the worst moments, each followed
 * by a check that nothing was lost or submitted twice. `npm test` runs it short; `npm run
 * test:faults` (FAULTS_FULL=1) runs every scenario with more faults and prints recovery figures.
 */
const FULL = process.env.FAULTS_FULL === '1';
const rows: Array<{ scenario: string; faults: number } & Counters> = [];
const recoveries: Record<string, number[]> = { 'worker SIGKILL (until its submissions are taken up again)': [], 'Redis wipe (until submissions progress again)': [] };
/** How long the API took to answer 503 while PostgreSQL was down. */
const unavailableMs: number[] = [];
/** How long the API took to answer 503 while PostgreSQL was frozen. */
const frozenMs: number[] = [];
/**
 * How often a client sends a new order while PostgreSQL is away. Each such order is one more
 * directory to submit once the outage ends: the short form sends fewer.
 */
const KEY_EVERY_MS = FULL ? 200 : 500;
let h: FaultHarness;
let website = 0;
const site = () => `https://faults-${++website}.example`;


beforeAll(async () => {
  h = await FaultHarness.start();
});

afterAll(async () => {
  await h?.stop();
  const cols = ['lost', 'missingResults', 'duplicateRows', 'duplicateSubmissions', 'unexplainedDuplicates', 'orphans', 'stranded', 'serverErrors', 'needsReview'] as const;
  const lines = [`| scenario | faults | ${cols.join(' | ')} |`, `|---|---|${cols.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.faults} | ${cols.map((c) => r[c]).join(' | ')} |`);
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  for (const [what, xs] of Object.entries(recoveries)) {
    if (xs.length) lines.push(`\nrecovery after ${what} (n=${xs.length}): median ${pct(xs, 50)} ms, p99 ${pct(xs, 99)} ms`);
  }
  if (unavailableMs.length) lines.push(`\n503 while PostgreSQL was down (n=${unavailableMs.length}): median ${pct(unavailableMs, 50)} ms, max ${Math.max(...unavailableMs)} ms`);
  if (frozenMs.length) lines.push(`\n503 while PostgreSQL was frozen (n=${frozenMs.length}): median ${pct(frozenMs, 50)} ms, max ${Math.max(...frozenMs)} ms`);
  console.log(`Fault suite${FULL ? '' : ' (short)'}:\n${lines.join('\n')}`);
});

/**
 * Runs a scenario, lets it settle, and requires every counter to be clean. Queue entries a fault
 * left behind (orphans, stranded rows) are the reconciler's to repair, every RECONCILE_INTERVAL_MS:
 * the check waits for its passes rather than for a fixed time.
 */
async function scenario(name: string, run: () => Promise<{ faults: number; orders: string[] }>) {
  const { faults, orders } = await run();
  await h.untilFinal(orders);
  let counters = await check(h);
  await waitFor('the reconciler to repair the queue', async () => {
    counters = await check(h);
    return counters.orphans === 0 && counters.stranded === 0;
  }, { timeoutMs: DEADLINE.event, intervalMs: 500 }).catch(() => undefined); // the assertion below names what is left
  rows.push({ scenario: name, faults, ...counters });
  expect(counters).toMatchObject({ lost: 0, missingResults: 0, duplicateRows: 0, unexplainedDuplicates: 0, orphans: 0, stranded: 0, serverErrors: 0 });
}

/**
 * After an outage the client retries every Idempotency-Key it got no order for (key n was for
 * directories[n]); each must make exactly one order. Returns the orders.
 */
async function retryKeys(customerId: string, keys: string[], directories: string[]): Promise<string[]> {
  const orders: string[] = [];
  for (const [n, key] of keys.entries()) {
    const res = await waitFor(`${key} to be accepted`, async () => {
      const r = await h.request('POST', '/jobs', { customerId, directoryIds: [directories[n]] }, { 'Idempotency-Key': key });
      return r.status === 201 ? r : undefined;
    }, { timeoutMs: DEADLINE.recovery, intervalMs: 500 });
    orders.push(res.body.id);
    h.acknowledged.add(res.body.id);
  }
  const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = ANY($1)`, [keys]);
  expect(n).toBe(keys.length);
  return orders;
}

/** How many rows of `order` live workers have in hand (in a slot by their heartbeat, or `submitting`). */
async function rowsInWorkers(order: string): Promise<number> {
  const held = await slotsOf(h.liveWorkers().map((w) => w.child.pid as number));
  const [{ n }] = await h.db.dataSource.query(
    `SELECT count(*)::int AS n FROM job_results WHERE job_id = $1 AND (id = ANY($2::bigint[]) OR status = 'submitting')`,
    [order, held],
  );
  return n;
}

/**
 * The result rows in the slots of these worker processes, from their heartbeats in Redis (the
 * dashboard's fleet view), which each rewrites whenever a slot starts or ends.
 */
async function slotsOf(pids: number[]): Promise<string[]> {
  const redis = new IORedis(h.redis.url);
  try {
    return (await readFleet(redis, h.env.QUEUE_PREFIX)).filter((b) => pids.includes(b.pid)).flatMap((b) => b.slots.map((s) => s.resultId));
  } finally {
    redis.disconnect();
  }
}

async function ensureWorkers(n: number) {
  while (h.liveWorkers().length < n) await h.addWorker();
}

async function stopAllWorkers() {
  await Promise.all(h.liveWorkers().map((w) => w.kill('SIGTERM')));
}

/**
 * Rows in a worker's hands right now, with their attempt counts. Not `retry` rows: those wait out
 * their backoff in BullMQ's delayed set, held by no worker, and then queue behind the backlog.
 */
/**
 * The rows a worker process is on, from its heartbeat. Only these rows wait for the worker's death to be
 * noticed: the other worker's rows may retry later for reasons of their own (a flaky directory's
 * 500 after the click), and counting them measured the backlog, not the recovery.
 */
async function heldBy(pid: number): Promise<Array<{ id: string; attempts: number }>> {
  const held = await slotsOf([pid]);
  return held.length ? h.db.dataSource.query(`SELECT id::text, attempts FROM job_results WHERE id = ANY($1::bigint[])`, [held]) : [];
}

/**
 * Recovery after a kill: for the rows the killed worker held (those a later attempt had to take
 * up), the time until that later attempt started, from its first response-log entry. The rows
 * of workers that lived finish under their own attempt and are not counted.
 */
async function recoveryAfter(killedAt: number, rows: Array<{ id: string; attempts: number }>): Promise<number | undefined> {
  if (!rows.length) return undefined;
  const now: Array<{ id: string; response_log: Array<{ at: string; attempt: number }> }> = await h.db.dataSource.query(
    `SELECT id::text, response_log FROM job_results WHERE id = ANY($1::bigint[])`,
    [rows.map((r) => r.id)],
  );
  const before = new Map(rows.map((r) => [r.id, r.attempts]));
  const restarts = now
    .map((r) => r.response_log.find((e) => e.attempt > (before.get(r.id) ?? 0) && Date.parse(e.at) > killedAt))
    .filter((e): e is { at: string; attempt: number } => e !== undefined)
    .map((e) => Date.parse(e.at) - killedAt);
  return restarts.length ? Math.max(...restarts) : undefined;
}

it.each<CrashPoint>(['worker.after-claim', 'worker.before-submit', 'worker.after-submit', 'worker.after-persist'])(
  'a worker killed at %s loses nothing and submits nothing twice',
  async (point) => {
    await scenario(`worker SIGKILL at ${point}`, async () => {
      await stopAllWorkers();
      const crashing = await h.addWorker(point);
      const order = await h.order(site(), 1, 4);
      expect(await crashing.exited).toBe('SIGKILL');
      await h.addWorker();
      return { faults: 1, orders: [order] };
    });
  },
);

it('workers SIGKILLed at random moments are replaced and the orders complete', async () => {
  await scenario('worker SIGKILL at random', async () => {
    await ensureWorkers(2);
    const kills = FULL ? 20 : 3;
    const orders = [await h.order(site(), 60, FULL ? 45 : 12), await h.order(site(), 130, FULL ? 45 : 12)];
    const killed: Array<{ at: number; rows: Array<{ id: string; attempts: number }> }> = [];
    for (let i = 0; i < kills; i++) {
      // Spaced so that each kill's recovery is measured on its own, not a storm of them.
      await new Promise((r) => setTimeout(r, 2000 + Math.random() * 2000));
      const live = h.liveWorkers();
      const victim = live[Math.floor(Math.random() * live.length)];
      const rows = await heldBy(victim.child.pid as number);
      killed.push({ at: Date.now(), rows });
      await victim.kill('SIGKILL');
      await h.addWorker();
    }
    await h.untilFinal(orders);
    for (const k of killed) {
      const recovery = await recoveryAfter(k.at, k.rows);
      if (process.env.FAULTS_DEBUG) {
        const logs: Array<{ id: string; response_log: Array<{ at: string; attempt: number; event: string }> }> = await h.db.dataSource.query(
          `SELECT id::text, response_log FROM job_results WHERE id = ANY($1::bigint[])`, [k.rows.map((r) => r.id)]);
        for (const r of logs) console.log(`row ${r.id}: ${r.response_log.map((e) => `${Date.parse(e.at) - k.at} ms a${e.attempt} ${e.event}`).join('; ')}`);
      }
      if (process.env.FAULTS_DEBUG) console.log(`kill at ${new Date(k.at).toISOString()}: ${k.rows.length} rows in flight, recovery ${recovery}`);
      if (recovery !== undefined) recoveries['worker SIGKILL (until its submissions are taken up again)'].push(recovery);
    }
    return { faults: kills, orders };
  });
});

it('a deploy (SIGTERM to each worker in turn) hands in-flight work over cleanly', async () => {
  await scenario('workers SIGTERMed in turn', async () => {
    await ensureWorkers(2);
    const order = await h.order(site(), 200, 12);
    await waitFor('the order to start', async () => (await h.job(order)).submitted > 0, { timeoutMs: DEADLINE.firstSubmission });
    let faults = 0;
    for (const w of h.liveWorkers()) {
      expect(await w.kill('SIGTERM')).toBe(0);
      await h.addWorker();
      faults++;
    }
    return { faults, orders: [order] };
  });
});

it('a worker frozen past its lock and then resumed writes nothing stale', async () => {
  await scenario('worker SIGSTOP past its lock', async () => {
    await stopAllWorkers();
    const frozen = await h.addWorker();
    const order = await h.order(site(), 240, 8);
    await waitFor('the worker to start on the order', async () => (await h.job(order)).status === 'running', { timeoutMs: DEADLINE.firstSubmission });
    frozen.child.kill('SIGSTOP');
    await h.addWorker();
    await new Promise((r) => setTimeout(r, 5000)); // lock is 3 s: another worker takes its jobs over
    frozen.child.kill('SIGCONT');
    return { faults: 1, orders: [order] };
  });
});

it('a Redis wiped (FLUSHALL) and restarted empty mid-order loses nothing', async () => {
  await scenario('Redis FLUSHALL and empty restart', async () => {
    await ensureWorkers(2);
    const orders = [await h.order(site(), 280, 10), await h.order(site(), 320, 10)];
    await waitFor('work under way', async () => (await h.job(orders[0])).submitted > 0, { timeoutMs: DEADLINE.firstSubmission });
    const redis = h.redis.client();
    const before = (await h.job(orders[0])).submitted + (await h.job(orders[1])).submitted;
    const wiped = Date.now();
    await redis.flushall();
    await waitFor('progress after the wipe', async () => (await h.job(orders[0])).submitted + (await h.job(orders[1])).submitted > before, { timeoutMs: DEADLINE.recovery, intervalMs: 50 });
    recoveries['Redis wipe (until submissions progress again)'].push(Date.now() - wiped);
    redis.disconnect();
    await h.redis.restart();
    return { faults: 2, orders };
  });
});

it('a Redis paused for 5 s only delays the work', async () => {
  await scenario('Redis SIGSTOP 5 s', async () => {
    const order = await h.order(site(), 360, 8);
    await waitFor('work under way', async () => (await h.job(order)).status === 'running', { timeoutMs: DEADLINE.firstSubmission });
    h.redis.pause();
    await new Promise((r) => setTimeout(r, 5000));
    h.redis.resume();
    return { faults: 1, orders: [order] };
  });
});

it('an API killed after committing an order: the client retries its Idempotency-Key and gets that order', async () => {
  await scenario('API SIGKILL after commit / in relay', async () => {
    await h.restartApi('api.after-commit');
    const customer = await h.request('POST', '/customers', { ...CUSTOMER, businessName: 'Crash Cafe', website: site() });
    const body = { customerId: customer.body.id, directoryIds: ['sandbox-0401', 'sandbox-0402'] };
    await expect(h.request('POST', '/jobs', body, { 'Idempotency-Key': 'crash-1' })).rejects.toThrow();
    // The next API finds the committed order's outbox entry at start and dies between the
    // Redis add and marking it sent; the one after it sends again, which changes nothing.
    expect(await h.crashApiInRelay()).toBe('SIGKILL');
    await h.restartApi();
    const retried = await h.request('POST', '/jobs', body, { 'Idempotency-Key': 'crash-1' });
    expect(retried.status).toBe(201);
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = 'crash-1'`);
    expect(n).toBe(1);
    h.acknowledged.add(retried.body.id);
    return { faults: 2, orders: [retried.body.id] };
  });
});

it('PostgreSQL stopped during order creation: 503 with Retry-After fast, and every retried key makes one order', async () => {
  await scenario('PostgreSQL down during POST /jobs', async () => {
    const outageMs = FULL ? 10_000 : 5000;
    const customer = await h.request('POST', '/customers', { ...CUSTOMER, businessName: 'Outage Deli', website: site() });
    const keys: string[] = [];
    // One directory per key: two orders of one business for one directory would rightly submit twice.
    const directories = quickDirectories(1, 80);
    h.postgres.stop();
    const stopped = Date.now();
    let i = 0;
    while (Date.now() - stopped < outageMs) {
      const key = `outage-${i}`;
      keys.push(key);
      const t = Date.now();
      const res = await h.request('POST', '/jobs', { customerId: customer.body.id, directoryIds: [directories[i++]] }, { 'Idempotency-Key': key });
      unavailableMs.push(Date.now() - t);
      expect(res.status).toBe(503);
      await new Promise((r) => setTimeout(r, KEY_EVERY_MS));
    }
    h.postgres.start();
    // The client retries every key it got no order for; each makes exactly one order.
    return { faults: 1, orders: await retryKeys(customer.body.id, keys, directories) };
  });
});

it('PostgreSQL stopped while workers submit: they wait, then finish without duplicates', async () => {
  await scenario('PostgreSQL down during processing', async () => {
    await ensureWorkers(2);
    const order = await h.order(site(), 440, 10);
    await waitFor('work under way', async () => (await h.job(order)).submitted > 0, { timeoutMs: DEADLINE.firstSubmission });
    h.postgres.stop();
    await new Promise((r) => setTimeout(r, FULL ? 10_000 : 5000));
    h.postgres.start();
    return { faults: 1, orders: [order] };
  });
});

it('PostgreSQL frozen (SIGSTOP) mid-order: requests get 503, workers wait, and nothing is doubled', async () => {
  await scenario('PostgreSQL SIGSTOP', async () => {
    await ensureWorkers(2);
    const order = await h.order(site(), 70, 10);
    const customer = await h.request('POST', '/customers', { ...CUSTOMER, businessName: 'Frozen Deli', website: site() });
    await waitFor('work under way', async () => (await h.job(order)).submitted > 0, { timeoutMs: DEADLINE.firstSubmission });
    const directories = quickDirectories(100, 80);
    const keys: string[] = [];
    h.postgres.pause();
    const paused = Date.now();
    try {
      // A frozen server accepts connections and never answers: only the client's own time-outs help.
      while (Date.now() - paused < (FULL ? 10_000 : 5000)) {
        const t = Date.now();
        const res = await h.request('POST', '/jobs', { customerId: customer.body.id, directoryIds: [directories[keys.length]] }, { 'Idempotency-Key': `frozen-${keys.length}` });
        frozenMs.push(Date.now() - t);
        expect(res.status).toBe(503);
        keys.push(`frozen-${keys.length}`);
        await new Promise((r) => setTimeout(r, KEY_EVERY_MS));
      }
    } finally {
      h.postgres.resume();
    }
    return { faults: 1, orders: [order, ...(await retryKeys(customer.body.id, keys, directories))] };
  });
});

it('pause, resume and cancel while submissions are in flight', async () => {
  await scenario('pause / resume / cancel mid-run', async () => {
    await ensureWorkers(2);
    // Each order is acted on as soon as its first submission lands, while the rest of it is in
    // flight or waiting. Not both at once: the queue runs the first order's entries before the
    // second's, so by the time the second is under way the first may have finished (a 409).
    const underWay = (id: string) => waitFor(`order ${id} under way`, async () => (await h.job(id)).submitted > 0, { timeoutMs: DEADLINE.firstSubmission, intervalMs: 50 });
    const paused = await h.order(site(), 460, 12);
    await underWay(paused);
    expect((await h.request('POST', `/jobs/${paused}/pause`)).status).toBe(200);
    const atPause = (await h.job(paused)).submitted;
    const cancelled = await h.order(site(), 480, 12);
    await underWay(cancelled);
    expect((await h.request('POST', `/jobs/${cancelled}/cancel`)).status).toBe(200);
    // In-flight submissions finish (at most one per worker slot); nothing new starts on either order.
    await waitFor('no worker to hold a row of the paused order', async () => (await rowsInWorkers(paused)) === 0, {
      timeoutMs: DEADLINE.firstSubmission,
      intervalMs: 250,
    });
    const settled = await h.job(paused);
    expect(settled.submitted).toBeLessThanOrEqual(atPause + Number(h.env.WORKER_CONCURRENCY) * h.liveWorkers().length);
    await new Promise((r) => setTimeout(r, 2000)); // time for a wrongly queued entry to be taken
    expect(await rowsInWorkers(paused)).toBe(0);
    expect((await h.job(paused)).submitted).toBe(settled.submitted);
    expect((await h.job(paused)).status).toBe('paused');
    expect((await h.job(cancelled)).status).toBe('cancelled');
    // A submission whose answer was lost is still verified after the cancel, then ends final.
    await waitFor('every row of the cancelled order to be final', async () => {
      const [{ open }] = await h.db.dataSource.query(
        `SELECT count(*)::int AS open FROM job_results WHERE job_id = $1 AND status IN ('pending', 'retry', 'submitting')`,
        [cancelled],
      );
      return open === 0;
    });
    expect((await h.request('POST', `/jobs/${paused}/resume`)).status).toBe(200);
    return { faults: 3, orders: [paused, cancelled] };
  });
});

it('Redis out of memory during an enqueue burst: orders are accepted, and queued once Redis has room', async () => {
  await scenario('Redis OOM during an enqueue burst', async () => {
    const redis = h.redis.client();
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    await redis.config('SET', 'maxmemory', String(used + 64 * 1024));
    const orders: string[] = [];
    for (let i = 0; i < (FULL ? 30 : 10); i++) orders.push(await h.order(site(), 1, 40));
    await new Promise((r) => setTimeout(r, 1000));
    const [{ unsent }] = await h.db.dataSource.query(`SELECT count(*)::int AS unsent FROM outbox WHERE sent_at IS NULL`);
    expect(unsent).toBeGreaterThan(0); // Redis refused writes: the outbox holds them
    await redis.config('SET', 'maxmemory', '0');
    await waitFor('the outbox to drain', async () => {
      const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`);
      return n === 0;
    }, { timeoutMs: DEADLINE.recovery });
    // Processing all of them would only repeat other scenarios: cancel, which also empties the queue.
    for (const id of orders) {
      const res = await h.request('POST', `/jobs/${id}/cancel`);
      if (res.status !== 200) console.log(res.body, h.api.output().split("\n").filter((l) => /"level":(40|50)/.test(l)).slice(-5).join('\n'));
      expect(res.status).toBe(200);
    }
    redis.disconnect();
    return { faults: 1, orders };
  });
});

it('concurrent requests with one Idempotency-Key make one order', async () => {
  await scenario('concurrent POST /jobs, one key', async () => {
    const customer = await h.request('POST', '/customers', { ...CUSTOMER, businessName: 'Burst Bakery', website: site() });
    const body = { customerId: customer.body.id, directoryIds: ['sandbox-0410'] };
    const n = FULL ? 1000 : 200;
    const answers = await Promise.all(Array.from({ length: n }, () => h.request('POST', '/jobs', body, { 'Idempotency-Key': 'burst' })));
    // 409 while the first holds the key; 503 with Retry-After if a loaded machine kept a request
    // waiting for a database connection past its bound. Then the key answers with its one order.
    expect(answers.filter((a) => ![201, 409, 503].includes(a.status))).toEqual([]);
    const settled = await waitFor('the key to answer with its order', async () => {
      const r = await h.request('POST', '/jobs', body, { 'Idempotency-Key': 'burst' });
      return r.status === 201 ? r : undefined;
    }, { timeoutMs: DEADLINE.recovery, intervalMs: 500 });
    const ids = new Set([...answers.filter((a) => a.status === 201), settled].map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect((await h.request('POST', '/jobs', { ...body, priority: 1 }, { 'Idempotency-Key': 'burst' })).status).toBe(422);
    h.acknowledged.add([...ids][0]);
    return { faults: n, orders: [...ids] };
  });
});

/** The hanging page's own bound on an attempt (its definition's timeouts.submitMs). */
const HANG_BOUND_MS = 3000;

it('directory pages that hang, trickle, fail, crash the renderer or are gone: bounded, retried or failed, never doubled', async () => {
  await scenario('broken directory pages', async () => {
    await ensureWorkers(2);
    // Plain directories (no flaky 500 of their own) past the other scenarios' ranges; the submit
    // crash needs an HTML result page.
    const plain = quickDirectories(490, 30).filter((id) => behaviourOf(Number(id.slice(-4))) === 'normal');
    const [hang, trickle, error, gone, crash, submitError, submitHang, ...rest] = plain;
    const submitCrash = rest.find((id) => layoutOf(Number(id.slice(-4))) !== 'spa') as string;
    const faults: Array<[string, PageFault]> = [
      [hang, { fault: 'hang', on: 'form' }],
      [trickle, { fault: 'trickle', on: 'form', ms: 2000 }],
      [error, { fault: 'error', on: 'form', times: 2 }],
      [gone, { fault: 'gone', on: 'form' }],
      [crash, { fault: 'crash', on: 'form' }],
      [submitError, { fault: 'error', on: 'submit', times: 2 }],
      [submitHang, { fault: 'hang', on: 'submit', times: 1 }],
      [submitCrash, { fault: 'crash', on: 'submit', times: 1 }],
    ];
    for (const [slug, fault] of faults) h.sandbox.fault(slug, fault);
    // Nothing ever comes of the page that hangs, so its own definition bounds its attempts tighter
    // than SUBMIT_TIMEOUT_MS (kept well above a submission's time for the others, on a loaded machine).
    const hung = await h.request('GET', `/directories/${hang}`);
    expect((await h.request('PATCH', `/directories/${hang}`, { adapter: { ...hung.body.adapter, timeouts: { submitMs: HANG_BOUND_MS } } })).status).toBe(200);
    const website = site();
    const customer = await h.request('POST', '/customers', { ...CUSTOMER, businessName: 'Broken Pages Bistro', website });
    const job = await h.request('POST', '/jobs', { customerId: customer.body.id, directoryIds: faults.map(([slug]) => slug) });
    expect(job.status).toBe(201);
    h.acknowledged.add(job.body.id);
    // The hanging page spends every attempt on SUBMIT_TIMEOUT_MS, one after another with backoff.
    const attempts = Number(h.env.SUBMIT_ATTEMPTS);
    await h.untilFinal([job.body.id], attempts * Number(h.env.SUBMIT_TIMEOUT_MS) + DEADLINE.firstSubmission);

    const rows: Array<{ directory_id: string; status: string; attempts: number; error_message: string | null; response_log: Array<{ attempt: number; event: string; detail?: string }> }> =
      await h.db.dataSource.query(`SELECT directory_id, status, attempts, error_message, response_log FROM job_results WHERE job_id = $1`, [job.body.id]);
    const row = (slug: string) => rows.find((r) => r.directory_id === slug) as (typeof rows)[number];
    // Pages that break on every request break every attempt: the count is the configured one.
    expect(row(hang)).toMatchObject({ status: 'failed', attempts, error_message: expect.stringContaining(`timeouts.submitMs (${HANG_BOUND_MS} ms)`) });
    expect(row(crash)).toMatchObject({ status: 'failed', attempts, error_message: expect.stringContaining('crashed') });
    // A 410 is final where it is met: one attempt saw it, the last one. (Only an attempt that timed
    // out on a loaded machine before the page answered could come before it.)
    const goneSeen = row(gone).response_log.filter((e) => e.event === 'navigated' && e.detail?.startsWith('410 '));
    expect(goneSeen.map((e) => e.attempt)).toEqual([row(gone).attempts]);
    expect(row(gone)).toMatchObject({ status: 'failed', error_message: expect.stringContaining('410') });
    // Slow but alive: it gets there.
    expect(row(trickle)).toMatchObject({ status: 'submitted' });
    // A fault on the first n requests costs n attempts before the one that succeeds. SUBMIT_TIMEOUT_MS
    // is far above a submission's time, but an attempt a starved machine lets time out would add one:
    // at least n + 1, and the sandbox's record below shows each listing arrived once.
    const atLeast = (slug: string, n: number) => expect([slug, row(slug).status, row(slug).attempts >= n]).toEqual([slug, 'submitted', true]);
    atLeast(error, 3);
    // After the click, a 500 or silence is an unknown outcome: each retry asks the directory first.
    atLeast(submitError, 3);
    atLeast(submitHang, 2);
    // The crash hid an accepted listing: the next attempt finds it listed and does not submit again.
    atLeast(submitCrash, 2);
    expect(row(submitCrash).response_log).toContainEqual(expect.objectContaining({ event: 'verified after an interrupted attempt', detail: 'listed: true' }));
    const received = h.sandbox.received().filter((s) => s.website === website);
    for (const slug of [trickle, error, submitError, submitHang, submitCrash]) {
      expect(received.filter((s) => s.slug === slug).map((s) => s.outcome)).toEqual(['accepted']);
    }
    expect(received.filter((s) => [hang, gone, crash].includes(s.slug))).toEqual([]);
    return { faults: faults.length, orders: [job.body.id] };
  });
});

it('a corpus of bad requests gets 4xx naming the field and writes nothing; awkward unicode arrives byte-exact', async () => {
  await scenario('bad requests and unicode end to end', async () => {
    await ensureWorkers(2);
    const customer = await h.request('POST', '/customers', { ...CUSTOMER, businessName: 'Corpus Cafe', website: site() });
    const job = await h.order(site(), 1, 1);
    const counts = async () =>
      (await h.db.dataSource.query(`SELECT (SELECT count(*) FROM customers) AS c, (SELECT count(*) FROM jobs) AS j, (SELECT count(*) FROM job_results) AS r`))[0];
    const before = await counts();
    const answers = [];
    for (const bad of BAD_REQUESTS) {
      const path = bad.path.replace('{job}', job);
      const body = typeof bad.body === 'string' || bad.body instanceof Uint8Array || bad.body === undefined ? (bad.body as string | Uint8Array<ArrayBuffer> | undefined) : JSON.stringify(bad.body).replace('{customer}', customer.body.id);
      const res = await h.raw(bad.method, path, body, bad.headers);
      const problem = JSON.parse(res.text) as { status: number; detail: string; errors?: Array<{ field: string }> };
      answers.push({
        name: bad.name,
        status: res.status,
        problemJson: res.contentType?.startsWith('application/problem+json'),
        field: bad.field ? problem.errors?.map((e) => e.field).includes(bad.field) : true,
        detail: typeof problem.detail === 'string' && problem.detail.length > 0,
      });
    }
    expect(answers).toEqual(BAD_REQUESTS.map((b) => ({ name: b.name, status: b.status, problemJson: true, field: true, detail: true })));
    expect(await counts()).toEqual(before);

    // The awkward customer, in through the API, out through every layout's form.
    const values = awkwardCustomer(`https://zoë.example/${encodeURIComponent('🍕')}?q=${site().slice(8)}`);
    const created = await h.request('POST', '/customers', values);
    expect(created.status).toBe(201);
    const [row] = await h.db.dataSource.query(
      `SELECT ${CUSTOMER_FIELDS.map((f) => `${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} AS "${f}"`).join(', ')} FROM customers WHERE id = $1`,
      [created.body.id],
    );
    const read = (await h.request('GET', `/customers/${created.body.id}`)).body;
    const perLayout = LAYOUT_NAMES.map((layout) => plainDirectory(layout));
    const ordered = await h.request('POST', '/jobs', { customerId: created.body.id, directoryIds: perLayout });
    expect(ordered.status).toBe(201);
    h.acknowledged.add(ordered.body.id);
    await h.untilFinal([ordered.body.id]);
    expect((await h.job(ordered.body.id)).submitted).toBe(perLayout.length);
    for (const field of CUSTOMER_FIELDS) {
      const sent = Buffer.from(values[field]);
      expect([field, Buffer.from(row[field]).equals(sent), Buffer.from(read[field]).equals(sent)]).toEqual([field, true, true]);
      for (const slug of perLayout) {
        const got = h.sandbox.received().find((s) => s.slug === slug && s.website === values.website);
        const typed = got?.fields[SITES[layoutOf(Number(slug.slice(-4)))].fieldNames[field]] ?? '';
        expect([field, slug, Buffer.from(typed).equals(sent)]).toEqual([field, slug, true]);
      }
    }
    return { faults: BAD_REQUESTS.length, orders: [job, ordered.body.id] };
  });
});

/** The first directory of this layout that behaves plainly (no slowness, no flaky 500). */
function plainDirectory(layout: LayoutName): string {
  for (let p = 1; ; p++) if (layoutOf(p) === layout && behaviourOf(p) === 'normal') return `sandbox-${String(p).padStart(4, '0')}`;
}
