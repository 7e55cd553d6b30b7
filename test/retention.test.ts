import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, Queue } from 'bullmq';
import request from 'supertest';
import { waitFor } from '../harness/wait';
import { RETENTION_SCHEDULER } from '../src/maintenance/maintenance.constants';
import { RetentionService } from '../src/retention/retention.service';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { afterFirstScheduledRun, maintenanceQueue } from './support/maintenance';
import { parseScrape, total } from './support/prometheus';

/**
 * Retention against the real database and files: what is past its setting goes, with its
 * screenshots; what is newer stays; an open order stays however old. The API's own schedule runs
 * it too (RETENTION_EVERY_MS short here).
 */
const artifacts = mkdtempSync(join(tmpdir(), 'boltline-retention-'));
let h: ApiHarness;
let http: ReturnType<typeof request.agent>;
let customerId: string;
let maintenance: Queue;
let firstRun: Job;

beforeAll(async () => {
  h = await startApiInProcess({
    ARTIFACT_DIR: artifacts,
    RETENTION_ORDER_DAYS: '30',
    RETENTION_AUDIT_DAYS: '365',
    RETENTION_OUTBOX_DAYS: '7',
    IDEMPOTENCY_KEY_DAYS: '2',
    RETENTION_EVERY_MS: '3600000',
    OUTBOX_POLL_MS: '100',
    RECONCILE_INTERVAL_MS: '3600000',
  });
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
  // The schedule's first run comes at once: it is over before the tests below age anything, so
  // the runs they make are the only ones that can find it.
  maintenance = maintenanceQueue(process.env.QUEUE_PREFIX as string);
  firstRun = await afterFirstScheduledRun(process.env.QUEUE_PREFIX as string);
});
afterAll(async () => {
  await maintenance?.close();
  await h?.close();
  rmSync(artifacts, { recursive: true, force: true });
});

const sql = (text: string, params: unknown[] = []) => h.db.dataSource.query(text, params);
const count = async (table: string, where: string, params: unknown[]) => (await sql(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params))[0].n as number;

/** An order of two directories, with a screenshot file for each, its status and last change set. */
async function order(status: 'completed' | 'cancelled' | 'running', daysAgo: number, key?: string): Promise<string> {
  const req = http.post('/api/v1/jobs');
  const { id } = (await (key ? req.set('idempotency-key', key) : req).send({ customerId, directoryIds: ['sandbox-0001', 'sandbox-0002'] }).expect(201)).body;
  mkdirSync(join(artifacts, id));
  for (const d of ['sandbox-0001', 'sandbox-0002']) writeFileSync(join(artifacts, id, `${d}-attempt1.png`), 'png');
  await sql(`UPDATE jobs SET status = $2, updated_at = now() - make_interval(days => $3) WHERE id = $1`, [id, status, daysAgo]);
  return id;
}

it('deletes finished orders past RETENTION_ORDER_DAYS with their rows and screenshots, and keeps newer and open ones', async () => {
  const old = await order('completed', 31, 'old-order-key');
  const oldCancelled = await order('cancelled', 45);
  const recent = await order('completed', 29);
  const openButOld = await order('running', 400);
  await waitFor('the orders to be relayed', async () => ((await count('outbox', 'sent_at IS NULL', [])) === 0 ? true : undefined));
  await sql(`INSERT INTO audit_log (actor_type, actor, action, at) VALUES ('system', 'test', 'old', now() - interval '366 days'), ('system', 'test', 'recent', now() - interval '364 days')`);
  await sql(`UPDATE outbox SET sent_at = now() - interval '8 days' WHERE job_id = $1`, [recent]);
  await sql(`UPDATE idempotency_keys SET created_at = now() - interval '3 days'`);
  await sql(`INSERT INTO staff_sessions (sid, sess, expire) VALUES ('expired', '{}', now() - interval '1 minute'), ('live', '{}', now() + interval '1 hour')`);

  const removed = await h.app.get(RetentionService).runNow();
  expect(removed).toEqual({ orders: 2, results: 4, events: expect.any(Number), files: 4, outbox: 1, idempotency_keys: 0, sessions: 1, audit: 1 });
  expect(removed.events).toBeGreaterThanOrEqual(2);

  for (const id of [old, oldCancelled]) {
    expect([id, await count('jobs', 'id = $1', [id]), await count('job_results', 'job_id = $1', [id]), await count('job_events', 'job_id = $1', [id])]).toEqual([id, 0, 0, 0]);
    expect([id, existsSync(join(artifacts, id))]).toEqual([id, false]);
    await http.get(`/api/v1/jobs/${id}`).expect(404);
  }
  for (const id of [recent, openButOld]) {
    expect([id, await count('job_results', 'job_id = $1', [id]), existsSync(join(artifacts, id, 'sandbox-0001-attempt1.png'))]).toEqual([id, 2, true]);
    await http.get(`/api/v1/jobs/${id}`).expect(200);
  }
  expect(await count('audit_log', `action IN ('old', 'recent')`, [])).toBe(1);
  expect(await count('staff_sessions', `sid IN ('expired', 'live')`, [])).toBe(1);
  // The old order's key went with it (cascade); what is left is the recent order's, none past 2 days.
  expect(await count('idempotency_keys', 'true', [])).toBe(0);

  const metrics = parseScrape((await request(h.app.getHttpServer()).get('/metrics').expect(200)).text);
  expect(total(metrics, 'boltline_retention_removed_total', { kind: 'orders' })).toBe(2);
  expect(total(metrics, 'boltline_retention_removed_total', { kind: 'files' })).toBe(4);

  // Nothing is left past its setting: a second run removes nothing.
  expect(Object.values(await h.app.get(RetentionService).runNow()).every((n) => n === 0)).toBe(true);
});

it('forgets an Idempotency-Key after IDEMPOTENCY_KEY_DAYS: the same key then makes a new order', async () => {
  const body = { customerId, directoryIds: ['sandbox-0003'] };
  const first = (await http.post('/api/v1/jobs').set('idempotency-key', 'forgotten-key').send(body).expect(201)).body.id;
  expect((await http.post('/api/v1/jobs').set('idempotency-key', 'forgotten-key').send(body).expect(201)).body.id).toBe(first);
  await sql(`UPDATE idempotency_keys SET created_at = now() - interval '3 days' WHERE key = 'forgotten-key'`);
  expect((await h.app.get(RetentionService).runNow()).idempotency_keys).toBe(1);
  expect((await http.post('/api/v1/jobs').set('idempotency-key', 'forgotten-key').send(body).expect(201)).body.id).not.toBe(first);
});

it('is scheduled once for the fleet on the maintenance queue, every RETENTION_EVERY_MS, and runs', async () => {
  expect(await maintenance.getJobScheduler(RETENTION_SCHEDULER)).toMatchObject({ key: RETENTION_SCHEDULER, every: 3_600_000 });
  expect(firstRun.returnvalue).toEqual({ orders: 0, results: 0, events: 0, files: 0, outbox: 0, idempotency_keys: 0, sessions: 0, audit: 0 });
  // A second replica sets the same schedule, not a second one.
  const replica = await h.replica();
  expect(await maintenance.getJobSchedulersCount()).toBe(1);
  await h.stopReplica(replica);
});
