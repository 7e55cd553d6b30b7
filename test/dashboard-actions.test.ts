import type { AddressInfo } from 'node:net';
import IORedis from 'ioredis';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { LIVE_FLUSH_MS } from '../src/live/live-hub.service';
import { fleetIndexKey, fleetWorkerKey, liveChannel } from '../src/live/live.constants';
import { submissionJobId } from '../src/queue/queue.constants';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { TEST_REDIS_URL } from './support/queue';
import { openStream as stream } from './support/sse';

/**
 * The dashboard's actions and the live feeds, over real HTTP against PostgreSQL and Redis, with
 * no worker: rows are put into the states under test directly, as a worker or a crash would.
 */
let h: ApiHarness;
let origin: string;
let redis: IORedis;
const ADMIN = { email: 'ops@dashboard.example', password: 'dashboard actions admin' };
const prefix = () => process.env.QUEUE_PREFIX as string;

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '1000000' });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  await h.app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  redis = new IORedis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

const api = () => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);

async function newOrder(directoryIds = ['sandbox-0001', 'sandbox-0002', 'sandbox-0003'], businessName = CUSTOMER.businessName) {
  const customerId = (await api().post('/api/v1/customers').send({ ...CUSTOMER, businessName }).expect(201)).body.id;
  return (await api().post('/api/v1/jobs').send({ customerId, directoryIds }).expect(201)).body as { id: string; status: string };
}

/** A signed-in staff agent and a CSRF token for its forms. */
async function staff() {
  const a = request.agent(h.app.getHttpServer());
  const csrfOf = async (path: string) => /name="_csrf" value="([^"]+)"/.exec((await a.get(path)).text)?.[1] as string;
  const loginToken = await csrfOf('/staff/login');
  await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: loginToken }).expect(303);
  return { a, csrf: await csrfOf('/dashboard/orders') };
}

describe('the live feed of an order for API clients', () => {
  it('sends the order and its rows at once, then each change', async () => {
    const job = await newOrder();
    const feed = await stream(`${origin}/api/v1/jobs/${job.id}/events`, { authorization: `Bearer ${h.adminKey}` });
    expect(feed.status).toBe(200);
    await waitFor('the catch-up', async () => feed.of('result').length === 3);
    expect(feed.of('job')[0]).toMatchObject({ id: job.id, status: 'queued', progress: { total: 3, pending: 3 } });
    await api().post(`/api/v1/jobs/${job.id}/pause`).expect(200);
    await waitFor('the pause on the feed', async () => feed.of('job').some((j) => j.status === 'paused'));
    feed.close();
  });

  it('opens in a browser with a short-lived token instead of a header, for that order only', async () => {
    const job = await newOrder();
    const other = await newOrder();
    const { token, url, expiresAt } = (await api().post(`/api/v1/jobs/${job.id}/events/token`).expect(201)).body;
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const feed = await stream(`${origin}${url}`);
    expect(feed.status).toBe(200);
    await waitFor('the order on the token feed', async () => feed.of('job')[0]?.id === job.id);
    feed.close();
    const misuse = await fetch(`${origin}/api/v1/jobs/${other.id}/events?token=${encodeURIComponent(token)}`);
    expect(misuse.status).toBe(401);
    expect((await misuse.json()).detail).toMatch(/for another order/);
    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await fetch(`${origin}/api/v1/jobs/${job.id}/events?token=${encodeURIComponent(forged)}`)).status).toBe(401);
    // The token opens only the feed: not the order itself.
    expect((await fetch(`${origin}/api/v1/jobs/${job.id}?token=${encodeURIComponent(token)}`)).status).toBe(401);
  });

  it("is refused for another account's order, as if it did not exist", async () => {
    const job = await newOrder();
    const { token } = await createApiKey(h.db.dataSource.manager, { name: 'other account', scopes: ['jobs:read'], account: 'someone-else' });
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${origin}/api/v1/jobs/${job.id}/events`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${origin}/api/v1/jobs/${job.id}/events/token`, { method: 'POST', headers: auth })).status).toBe(404);
  });

  it('coalesces a burst of changes into a few updates', async () => {
    const job = await newOrder();
    const feed = await stream(`${origin}/api/v1/jobs/${job.id}/events`, { authorization: `Bearer ${h.adminKey}` });
    await waitFor('the catch-up', async () => feed.of('job').length === 1);
    const [row] = await h.db.dataSource.query(`SELECT id::text FROM job_results WHERE job_id = $1 LIMIT 1`, [job.id]);
    const burst = Date.now();
    // One pipeline: the 500 notices leave together, so the burst lasts a flush or two however busy the machine.
    const notices = redis.pipeline();
    for (let i = 0; i < 500; i++) notices.publish(liveChannel(prefix()), JSON.stringify([{ jobId: job.id, resultId: row.id }]));
    await notices.exec();
    await waitFor('an update after the burst', async () => feed.of('job').length >= 2, { timeoutMs: DEADLINE.event });
    await new Promise((r) => setTimeout(r, 2 * LIVE_FLUSH_MS)); // let a last flush arrive too
    const updates = feed.of('job').length - 1;
    // At most one update per flush since the burst began (about 3 on a quiet machine), never one
    // per notice: counted against the flushes that really passed, so a slow machine cannot fail it.
    const flushes = Math.ceil((Date.now() - burst) / LIVE_FLUSH_MS) + 1;
    expect(updates).toBeLessThanOrEqual(flushes);
    feed.close();
  });

  it('tells listeners to read again after the API lost its Redis subscription', async () => {
    const job = await newOrder();
    const feed = await stream(`${origin}/api/v1/jobs/${job.id}/events`, { authorization: `Bearer ${h.adminKey}` });
    await waitFor('the catch-up', async () => feed.of('job').length === 1);
    // Drops every subscribed connection; the hub's reconnects and every feed catches up again.
    await redis.client('KILL', 'TYPE', 'pubsub');
    await waitFor('a second catch-up', async () => feed.of('job').length >= 2, { timeoutMs: DEADLINE.event });
    expect(feed.of('result').length).toBeGreaterThanOrEqual(6);
    feed.close();
  });
});

describe('dashboard actions', () => {
  it('sets an order’s priority, in PostgreSQL and on its queued entries', async () => {
    const job = await newOrder();
    // This order's own entries: earlier tests' orders are on the same queue.
    await waitFor('the order on the queue', async () => (await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === job.id).length === 3);
    const { a, csrf } = await staff();
    await a.post(`/dashboard/orders/${job.id}/priority`).type('form').send({ _csrf: csrf, priority: '1' }).expect(303);
    const rows: Array<{ id: string; generation: number }> = await h.db.dataSource.query(`SELECT id::text, generation FROM job_results WHERE job_id = $1`, [job.id]);
    for (const r of rows) expect((await h.queue.queue.getJob(submissionJobId(r.id, r.generation)))?.priority).toBe(1);
    const page = await a.get(`/dashboard/orders/${job.id}`).expect(200);
    expect(page.text).toContain('Priority set to 1.');
    expect(page.text).toMatch(/priority changed: 3 → 1/);

    await a.post(`/dashboard/orders/${job.id}/priority`).type('form').send({ _csrf: csrf, priority: '9' }).expect(303);
    expect((await a.get(`/dashboard/orders/${job.id}`)).text).toContain('priority must be a whole number from 1 (most urgent) to 4');
    const [{ priority }] = await h.db.dataSource.query(`SELECT priority FROM jobs WHERE id = $1`, [job.id]);
    expect(priority).toBe(1);
  });

  it('acts on several orders at once and says which could not take the action', async () => {
    const one = await newOrder();
    const two = await newOrder();
    await api().post(`/api/v1/jobs/${two.id}/cancel`).expect(200);
    const { a, csrf } = await staff();
    const res = await a.post('/dashboard/orders/bulk').type('form').send(`_csrf=${csrf}&action=pause&ids=${one.id}&ids=${two.id}&back=%2Fdashboard%2Forders`).expect(303);
    expect(res.headers.location).toBe('/dashboard/orders');
    const page = await a.get('/dashboard/orders').expect(200);
    expect(page.text).toContain('1 of 2 orders paused. Not done: cannot pause job');
    const audit = await h.db.dataSource.query(`SELECT action, job_id FROM audit_log WHERE actor = $1 AND action = 'job.pause'`, [ADMIN.email]);
    expect(audit).toEqual([{ action: 'job.pause', job_id: one.id }]);
  });

  it('settles results awaiting review: marked submitted, marked failed, or resubmitted', async () => {
    const job = await newOrder(['sandbox-0004', 'sandbox-0005', 'sandbox-0006']);
    const rows: Array<{ id: string }> = await h.db.dataSource.query(`SELECT id::text FROM job_results WHERE job_id = $1 ORDER BY id`, [job.id]);
    // What a crash after the click leaves behind: every row uncertain, the order complete.
    await h.db.dataSource.query(`UPDATE job_results SET status = 'needs_review', attempts = 4, error_message = 'an earlier attempt may have submitted; the directory cannot say' WHERE job_id = $1`, [job.id]);
    await h.db.dataSource.query(`UPDATE jobs SET needs_review = 3, status = 'completed', completed_at = now() WHERE id = $1`, [job.id]);
    const { a, csrf } = await staff();
    const list = await a.get('/dashboard/review').expect(200);
    for (const r of rows) expect(list.text).toContain(`action="/dashboard/review/${r.id}"`);

    await a.post(`/dashboard/review/${rows[0].id}`).type('form').send({ _csrf: csrf, decision: 'submitted' }).expect(303);
    await a.post(`/dashboard/review/${rows[1].id}`).type('form').send({ _csrf: csrf, decision: 'failed' }).expect(303);
    await a.post(`/dashboard/review/${rows[2].id}`).type('form').send({ _csrf: csrf, decision: 'resubmit' }).expect(303);
    // A second decision on a settled row is refused, and changes nothing.
    await a.post(`/dashboard/review/${rows[0].id}`).type('form').send({ _csrf: csrf, decision: 'failed' }).expect(303);
    expect((await a.get('/dashboard/review')).text).toContain(`result ${rows[0].id} is submitted, not awaiting review`);

    const after = await h.db.dataSource.query(`SELECT status, generation FROM job_results WHERE job_id = $1 ORDER BY id`, [job.id]);
    expect(after.map((r: { status: string }) => r.status)).toEqual(['submitted', 'failed', 'pending']);
    const [order] = await h.db.dataSource.query(`SELECT status, submitted, failed, needs_review FROM jobs WHERE id = $1`, [job.id]);
    expect(order).toEqual({ status: 'running', submitted: 1, failed: 1, needs_review: 0 });
    await waitFor('the resubmitted row on the queue', async () => (await h.queue.queue.getJob(submissionJobId(rows[2].id, after[2].generation))) !== undefined);
    const audit = await h.db.dataSource.query(`SELECT action FROM audit_log WHERE job_id = $1 ORDER BY id`, [job.id]);
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['result.review.submitted', 'result.review.failed', 'result.review.resubmit']);
    const timeline = await h.db.dataSource.query(`SELECT type FROM job_events WHERE job_id = $1 AND type = 'reviewed'`, [job.id]);
    expect(timeline).toHaveLength(3);
  });

  it('creates a customer and an order from the new-order form, once however often it is sent', async () => {
    const { a, csrf } = await staff();
    const form = await a.get('/dashboard/new-order').expect(200);
    const requestId = /name="requestId" value="([^"]+)"/.exec(form.text)?.[1] as string;
    const customers = async () => (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM customers`))[0].n;
    const before = await customers();

    const bad = await a.post('/dashboard/new-order').type('form').send({ _csrf: csrf, requestId, ...CUSTOMER, businessName: 'Form Made Bakery', email: 'not an email', source: 'package', packageSize: '50', priority: '2' }).expect(422);
    expect(bad.text).toContain('email must be an email address');
    expect(bad.text).toContain('value="Form Made Bakery"'); // what was typed stays
    const empty = await a.post('/dashboard/new-order').type('form').send({ _csrf: csrf, requestId, ...CUSTOMER, city: ' ', source: 'package', packageSize: '50', priority: '2' }).expect(422);
    expect(empty.text).toMatch(/id="e-city">required: fill this in</);
    expect(await customers()).toBe(before);

    const send = () => a.post('/dashboard/new-order').type('form').send({ _csrf: csrf, requestId, ...CUSTOMER, businessName: 'Form Made Bakery', source: 'package', packageSize: '50', priority: '2' }).expect(303);
    const first = await send();
    const again = await send();
    expect(again.headers.location).toBe(first.headers.location);
    const jobId = first.headers.location.split('/').pop();
    const [job] = await h.db.dataSource.query(`SELECT total, priority, status FROM jobs WHERE id = $1`, [jobId]);
    expect(job).toEqual({ total: 50, priority: 2, status: 'queued' });
    expect(await customers()).toBe(before + 1);
    expect((await a.get(first.headers.location)).text).toContain('Order created: 50 directories, priority 2.');
  });

  it('serves screenshots only from the artifact directory', async () => {
    const job = await newOrder();
    const [row] = await h.db.dataSource.query(`UPDATE job_results SET screenshot_path = '/etc/passwd' WHERE job_id = $1 RETURNING id::text`, [job.id]);
    const { a } = await staff();
    await a.get(`/dashboard/results/${row.id}/screenshot`).expect(404);
    await a.get('/dashboard/results/..%2F..%2Fetc%2Fpasswd/screenshot').expect(404);
  });

  it('shows workers that stopped beating as gone', async () => {
    const beat = { id: 'old-host-1-x', host: 'old-host', pid: 4242, concurrency: 2, startedAt: new Date(Date.now() - 60_000).toISOString(), beatAt: new Date(Date.now() - 30_000).toISOString(), slots: [] };
    await redis.set(fleetWorkerKey(prefix(), beat.id), JSON.stringify(beat), 'PX', 60_000);
    await redis.zadd(fleetIndexKey(prefix()), Date.now() - 30_000, beat.id);
    const { a } = await staff();
    const page = await a.get('/dashboard').expect(200);
    expect(page.text).toMatch(/old-host · pid 4242 <span class="status status-gone">gone: no heartbeat since/);
  });

  it('keeps the dashboard from anyone not signed in as staff', async () => {
    const anon = request(h.app.getHttpServer());
    expect((await anon.get('/dashboard/orders').set('accept', 'text/html').expect(303)).headers.location).toBe('/staff/login?next=%2Fdashboard%2Forders');
    await anon.get('/dashboard/live').set('accept', 'text/event-stream').expect(401);
    await api().get('/dashboard/orders').expect(401); // an API key is not a staff session
    const { a } = await staff();
    await a.post('/dashboard/orders/bulk').type('form').send({ action: 'cancel' }).expect(403); // no CSRF token
  });
});
