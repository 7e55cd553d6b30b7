import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiKey } from '../src/auth/api-keys.service';
import { EVERY_ACCOUNT } from '../src/auth/caller';
import { createStaff } from '../src/auth/staff.service';
import { Customer } from '../src/customers/customer.entity';
import { dataSourceOptions } from '../src/database/data-source';
import { JobActionsService } from '../src/jobs/job-actions.service';
import { LivePublisher } from '../src/live/live-publisher';
import { JobResult } from '../src/orders/job-result.entity';
import { AttemptContext, AttemptOutcome, ResultsService } from '../src/results/results.service';
import { Metrics } from '../src/metrics/metrics';
import { EVIDENCE_STORE } from '../src/evidence/evidence-store';
import { ReviewService } from '../src/jobs/review.service';
import { createTestDatabase } from '../harness/database';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { openStream } from './support/sse';

/**
 * How an order ended (`outcome`), next to where it is in its life (`status`). No browser: the
 * rows are claimed and finished by the workers' own ResultsService, each "worker" with its own
 * connection pool, against PostgreSQL and Redis; staff actions go through the API and services.
 */
let h: ApiHarness;
let origin: string;
let customerId: string;
const pools: DataSource[] = [];
const ADMIN = { email: 'ops@outcome.example', password: 'outcome test admin password' };

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '1000000' });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  await h.app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  customerId = (await api().post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await h?.close();
});

const api = () => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
const sql = (text: string, params: unknown[] = []) => h.db.dataSource.query(text, params);
const dirs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `sandbox-${String(from + i).padStart(4, '0')}`);

async function newOrder(directoryIds: string[]): Promise<string> {
  return (await api().post('/api/v1/jobs').send({ customerId, directoryIds }).expect(201)).body.id;
}
const getJob = async (id: string) => (await api().get(`/api/v1/jobs/${id}`).expect(200)).body;

/** A worker's side of PostgreSQL: the real ResultsService on a connection pool of its own. */
async function worker(): Promise<ResultsService> {
  const pool = new DataSource(dataSourceOptions(h.db.url, 'app', [JobResult, Customer]));
  await pool.initialize();
  pools.push(pool);
  return new ResultsService(pool, h.app.get(LivePublisher), h.app.get(Metrics), h.app.get(EVIDENCE_STORE));
}

/** The order's open rows, oldest first, with the generation a queue entry for them carries. */
const openRows = (jobId: string): Promise<Array<{ id: string; generation: number }>> =>
  sql(`SELECT id::text, generation FROM job_results WHERE job_id = $1 AND status IN ('pending', 'retry') ORDER BY id`, [jobId]);

async function claim(w: ResultsService, row: { id: string; generation: number }): Promise<AttemptContext> {
  const c = await w.claim(row.id, row.generation, 0);
  if (c.kind !== 'claimed') throw new Error(`row ${row.id} was not claimed: ${JSON.stringify(c)}`);
  return c.ctx;
}

async function finish(w: ResultsService, ctx: AttemptContext, status: AttemptOutcome['status']) {
  expect(await w.finish(ctx, { status, log: [], durationMs: 5, error: status === 'submitted' ? undefined : `test: ${status}` })).toBe(true);
}

/** Finishes the order's open rows one after another, the i-th with `statuses[i]`. */
async function settle(w: ResultsService, jobId: string, statuses: Array<AttemptOutcome['status']>) {
  const rows = await openRows(jobId);
  expect(rows).toHaveLength(statuses.length);
  for (const [i, row] of rows.entries()) await finish(w, await claim(w, row), statuses[i]);
}

const completedEvents = async (jobId: string) =>
  (await sql(`SELECT detail FROM job_events WHERE job_id = $1 AND type = 'completed' ORDER BY id`, [jobId])).map((e: { detail: unknown }) => e.detail);

let workerA: ResultsService;
let workerB: ResultsService;
beforeAll(async () => {
  workerA = await worker();
  workerB = await worker();
});

describe('an order’s outcome', () => {
  it('is null while the order runs, then says how it ended: succeeded, partially_failed or failed', async () => {
    const cases = [
      { statuses: ['submitted', 'submitted', 'submitted'], outcome: 'succeeded' },
      { statuses: ['submitted', 'failed', 'blocked_by_policy'], outcome: 'partially_failed' },
      { statuses: ['failed', 'blocked_by_policy', 'failed'], outcome: 'failed' },
    ] as const;
    const ids: string[] = [];
    for (const c of cases) {
      const id = await newOrder(dirs(3));
      ids.push(id);
      expect(await getJob(id)).toMatchObject({ status: 'queued', outcome: null });
      const [first, ...rest] = await openRows(id);
      await finish(workerA, await claim(workerA, first), c.statuses[0]);
      // Two of three directories still open: no outcome yet, whatever the first one did.
      expect(await getJob(id)).toMatchObject({ status: 'running', outcome: null });
      for (const [i, row] of rest.entries()) await finish(workerA, await claim(workerA, row), c.statuses[i + 1]);
      expect(await getJob(id)).toMatchObject({ status: 'completed', outcome: c.outcome, progress: { pending: 0 } });
      expect(await completedEvents(id)).toEqual([{ outcome: c.outcome }]);
    }
    // The list says it too, and filters by it.
    const listed = (await api().get(`/api/v1/jobs?customerId=${customerId}&limit=100`).expect(200)).body.items;
    expect(ids.map((id) => listed.find((j: { id: string }) => j.id === id)?.outcome)).toEqual(cases.map((c) => c.outcome));
    const failed = (await api().get(`/api/v1/jobs?outcome=failed&limit=100`).expect(200)).body.items.map((j: { id: string }) => j.id);
    expect(failed).toContain(ids[2]);
    expect(failed).not.toContain(ids[0]);
    expect(failed).not.toContain(ids[1]);
    const bad = await api().get('/api/v1/jobs?outcome=completed').expect(400);
    expect(bad.body.errors).toEqual([{ field: 'outcome', messages: [expect.stringContaining('succeeded, partially_failed, failed, needs_review, cancelled')] }]);
  });

  it('is settled once, and right, when the last rows finish at the same moment on two workers', async () => {
    for (const [before, last, outcome] of [
      ['submitted', ['submitted', 'failed'], 'partially_failed'],
      ['submitted', ['submitted', 'submitted'], 'succeeded'],
      ['failed', ['failed', 'blocked_by_policy'], 'failed'],
    ] as const) {
      const id = await newOrder(dirs(12, 20));
      const rows = await openRows(id);
      // Ten rows done one by one; the last two claimed by two workers...
      for (const row of rows.slice(0, 10)) await finish(workerA, await claim(workerA, row), before);
      const [a, b] = [await claim(workerA, rows[10]), await claim(workerB, rows[11])];
      // ...and finished together: each transaction moves a counter and asks whether the order is done.
      await Promise.all([finish(workerA, a, last[0]), finish(workerB, b, last[1])]);
      const statuses = [...Array(10).fill(before), ...last];
      const n = (s: string) => statuses.filter((x) => x === s).length;
      expect(await getJob(id)).toMatchObject({
        status: 'completed',
        outcome,
        progress: { submitted: n('submitted'), failed: n('failed'), blocked: n('blocked_by_policy'), pending: 0 },
      });
      expect(await completedEvents(id)).toEqual([{ outcome }]);
    }
  });

  it('becomes null when a retry reopens the order, and is worked out again when it ends', async () => {
    const id = await newOrder(dirs(3, 40));
    await settle(workerA, id, ['submitted', 'failed', 'failed']);
    expect(await getJob(id)).toMatchObject({ status: 'completed', outcome: 'partially_failed' });

    const retried = (await api().post(`/api/v1/jobs/${id}/retry`).expect(200)).body;
    expect(retried).toMatchObject({ status: 'queued', outcome: null, progress: { failed: 0, pending: 2 } });
    expect(await getJob(id)).toMatchObject({ status: 'queued', outcome: null });

    await settle(workerA, id, ['submitted', 'submitted']);
    expect(await getJob(id)).toMatchObject({ status: 'completed', outcome: 'succeeded', attempts: 2 });
    expect(await completedEvents(id)).toEqual([{ outcome: 'partially_failed' }, { outcome: 'succeeded' }]);
  });

  it('follows staff reviews: needs_review until decided, null while a resubmitted row runs', async () => {
    const review = h.app.get(ReviewService);
    const id = await newOrder(dirs(3, 50));
    await settle(workerA, id, ['submitted', 'needs_review', 'needs_review']);
    expect(await getJob(id)).toMatchObject({ status: 'completed', outcome: 'needs_review' });
    const [, uncertain1, uncertain2] = await sql(`SELECT id::text FROM job_results WHERE job_id = $1 ORDER BY id`, [id]);

    // Marked failed: the order stays completed, one directory still to decide.
    await review.decide(uncertain1.id, 'failed', ADMIN.email);
    expect(await getJob(id)).toMatchObject({ status: 'completed', outcome: 'needs_review', progress: { failed: 1, needsReview: 1 } });
    // Resubmitted: the order is open again, so it has no outcome until that row ends.
    await review.decide(uncertain2.id, 'resubmit', ADMIN.email);
    expect(await getJob(id)).toMatchObject({ status: 'running', outcome: null });
    await settle(workerB, id, ['submitted']);
    expect(await getJob(id)).toMatchObject({ status: 'completed', outcome: 'partially_failed', progress: { submitted: 2, failed: 1 } });

    // A decision on a completed order settles its outcome without completing it again.
    const other = await newOrder(dirs(2, 60));
    await settle(workerA, other, ['needs_review', 'failed']);
    const [row] = await sql(`SELECT id::text FROM job_results WHERE job_id = $1 AND status = 'needs_review'`, [other]);
    await review.decide(row.id, 'failed', ADMIN.email);
    expect(await getJob(other)).toMatchObject({ status: 'completed', outcome: 'failed' });
  });

  it('is cancelled once the order is, also when a submission in flight finishes afterwards', async () => {
    const id = await newOrder(dirs(3, 70));
    const [row] = await openRows(id);
    const ctx = await claim(workerA, row);
    expect(await workerA.markSubmitting(ctx.resultId, ctx.token, 60_000)).toBe(true); // in a browser, about to click
    expect((await api().post(`/api/v1/jobs/${id}/cancel`).expect(200)).body).toMatchObject({ status: 'cancelled', outcome: 'cancelled' });
    await finish(workerA, ctx, 'submitted');
    expect(await getJob(id)).toMatchObject({ status: 'cancelled', outcome: 'cancelled', progress: { submitted: 1, cancelled: 2, pending: 0 } });
    // An order cancelled before it ran, too.
    const never = await newOrder(dirs(1, 80));
    await h.app.get(JobActionsService).act(never, 'cancel', EVERY_ACCOUNT);
    expect(await getJob(never)).toMatchObject({ outcome: 'cancelled' });
  });

  it('is on the API’s event stream of the order', async () => {
    const id = await newOrder(dirs(2, 90));
    const feed = await openStream(`${origin}/api/v1/jobs/${id}/events`, { authorization: `Bearer ${h.adminKey}` });
    expect(feed.status).toBe(200);
    await waitFor('the catch-up', async () => feed.of('job').length >= 1, { timeoutMs: DEADLINE.event });
    expect(feed.of('job')[0]).toMatchObject({ id, outcome: null });
    await settle(workerA, id, ['failed', 'submitted']);
    await waitFor('the outcome on the feed', async () => feed.of('job').some((j) => j.outcome === 'partially_failed'), {
      timeoutMs: DEADLINE.event,
      describe: async () => JSON.stringify(feed.of('job').map((j) => [j.status, j.outcome])),
    });
    feed.close();
  });

  it("is not shown for another account's order", async () => {
    const id = await newOrder(dirs(1, 95));
    const { token } = await createApiKey(h.db.dataSource.manager, { name: 'outsider', scopes: ['jobs:read'], account: 'outsider' });
    await request(h.app.getHttpServer()).get(`/api/v1/jobs/${id}`).set('authorization', `Bearer ${token}`).expect(404);
    expect((await request(h.app.getHttpServer()).get('/api/v1/jobs?outcome=succeeded').set('authorization', `Bearer ${token}`).expect(200)).body.items).toEqual([]);
  });
});

describe('the dashboard', () => {
  /** A signed-in staff session: its cookie, for pages and for the live feed. */
  async function staffCookie(): Promise<string> {
    const server = h.app.getHttpServer();
    const login = await request(server).get('/staff/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1] as string;
    const cookieOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const signedIn = await request(server).post('/staff/login').set('cookie', cookieOf(login)).type('form').send({ ...ADMIN, _csrf: csrf }).expect(303);
    return cookieOf(signedIn);
  }

  it('shows how an order ended as its badge, on the order, in the list and in the timeline', async () => {
    const id = await newOrder(dirs(5, 100));
    await settle(workerA, id, ['submitted', 'failed', 'submitted', 'blocked_by_policy', 'submitted']);
    const cookie = await staffCookie();
    const badge = `<span class="status status-partially_failed" data-status="${id}">completed with 2 failures</span>`;
    const page = await request(h.app.getHttpServer()).get(`/dashboard/orders/${id}`).set('cookie', cookie).expect(200);
    expect(page.text).toContain(badge);
    expect(page.text).toMatch(/completed: partially failed<\/li>/);
    const list = await request(h.app.getHttpServer()).get(`/dashboard/orders?q=${id}`).set('cookie', cookie).expect(200);
    expect(list.text).toContain(badge);
    // What a page kept open reads after reconnecting.
    const progress = await request(h.app.getHttpServer()).get(`/dashboard/orders/progress?ids=${id}`).set('cookie', cookie).expect(200);
    expect(progress.body).toEqual([expect.objectContaining({ id, outcome: 'partially_failed', badge: { text: 'completed with 2 failures', tone: 'partially_failed' } })]);
  });

  it('sends the badge with every live update, so an open page changes it without a reload', async () => {
    const id = await newOrder(dirs(2, 110));
    const cookie = await staffCookie();
    const feed = await openStream(`${origin}/dashboard/live?job=${id}`, { cookie, accept: 'text/event-stream' });
    expect(feed.status).toBe(200);
    await waitFor('the feed to open', async () => feed.of('resync').length >= 1, { timeoutMs: DEADLINE.event });
    await settle(workerA, id, ['failed', 'failed']);
    const update = await waitFor('the outcome on the dashboard feed', async () => feed.of('job').find((j) => j.outcome === 'failed'), {
      timeoutMs: DEADLINE.event,
      describe: async () => JSON.stringify(feed.of('job')),
    });
    expect(update.badge).toEqual({ text: 'failed: 0 of 2 submitted', tone: 'failed' });
    feed.close();
  });
});

describe('the migration', () => {
  it('works out the outcome of every order that ended before it', async () => {
    const db = await createTestDatabase('outcome_backfill');
    try {
      // Back to just before this migration (later ones first), with orders as they were then.
      const applied: string[] = (await db.dataSource.query(`SELECT name FROM migrations ORDER BY id DESC`)).map((m: { name: string }) => m.name);
      expect(applied).toContain('OrderOutcome1764071000000');
      for (let i = 0; i <= applied.indexOf('OrderOutcome1764071000000'); i++) await db.dataSource.undoLastMigration();
      const [customer] = await db.dataSource.query(
        `INSERT INTO customers (business_name, email, phone, website, address, city, state, zip, country, category, description)
         VALUES ('Old Orders Ltd', 'old@orders.example', '1', 'https://old.example', 'a', 'b', 'c', 'd', 'US', 'e', 'f') RETURNING id`,
      );
      const orders = [
        { status: 'completed', submitted: 4, failed: 0, blocked: 0, needs_review: 0, expected: 'succeeded' },
        { status: 'completed', submitted: 2, failed: 1, blocked: 1, needs_review: 0, expected: 'partially_failed' },
        { status: 'completed', submitted: 0, failed: 3, blocked: 1, needs_review: 0, expected: 'failed' },
        { status: 'completed', submitted: 3, failed: 0, blocked: 0, needs_review: 1, expected: 'needs_review' },
        { status: 'running', submitted: 1, failed: 1, blocked: 0, needs_review: 0, expected: null },
        { status: 'cancelled', submitted: 1, failed: 0, blocked: 0, needs_review: 0, expected: 'cancelled' },
      ];
      const ids: string[] = [];
      for (const o of orders) {
        const [row] = await db.dataSource.query(
          `INSERT INTO jobs (customer_id, status, total, submitted, failed, blocked, needs_review, cancelled)
           VALUES ($1, $2, 4, $3, $4, $5, $6, $7) RETURNING id`,
          [customer.id, o.status, o.submitted, o.failed, o.blocked, o.needs_review, o.status === 'cancelled' ? 3 : 0],
        );
        ids.push(row.id);
      }
      await db.dataSource.runMigrations();
      const after = await db.dataSource.query(`SELECT id, outcome FROM jobs WHERE id = ANY($1)`, [ids]);
      expect(ids.map((id) => after.find((r: { id: string }) => r.id === id).outcome)).toEqual(orders.map((o) => o.expected));
    } finally {
      await db.drop();
    }
  });
});
