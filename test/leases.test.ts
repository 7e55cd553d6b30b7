import { readFileSync } from 'node:fs';
import { createApiKey } from '../src/auth/api-keys.service';
import { readCatalogue } from '../src/directories/catalogue-file';
import { importDirectories } from '../src/directories/directory-store';
import { ASSISTED_CATALOGUE_FILE, ASSISTED_SLUG } from '../src/sandbox/features/assisted';
import { createStaff } from '../src/auth/staff.service';
import { behaviourOf } from '../src/sandbox/behaviour';
import type { Lease } from '../src/leases/protocol';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { apiClient } from './support/http';
import { signIn } from './support/staff-sign-in';
import { Stack } from './support/stack';

/**
 * The lease protocol of workers that hold only an API key, through a real API process, PostgreSQL
 * and BullMQ, with no worker of the fleet running: each submission leased exactly once however many
 * workers ask at once; a worker sees only its own leases; a revoked key's leases go back; a lease
 * nobody renews goes back, and its old token changes nothing; reports answer the same when repeated.
 * No browser: the test plays the workers (test/remote-worker.test.ts drives real ones).
 */
const NORMAL = Array.from({ length: 300 }, (_, i) => i + 1)
  .filter((p) => behaviourOf(p) === 'normal')
  .map((p) => `sandbox-${String(p).padStart(4, '0')}`);

let stack: Stack;
const { post, get } = apiClient(() => stack);
const WORKER = { id: 'test-worker', kind: 'remote', version: '1.0.0' };
const STAFF = { email: 'watcher@boltline.example', password: 'a long staff password' };

beforeAll(async () => {
  stack = await Stack.start({
    name: 'leases',
    key: { name: 'leases', scopes: ['admin'] },
    seed: async ({ db, sandbox }) => {
      await createStaff(db.dataSource.manager, STAFF.email, STAFF.password, 'viewer', 2 ** 10);
      const assisted = readCatalogue(readFileSync(ASSISTED_CATALOGUE_FILE, 'utf8'), `${sandbox.url}/`);
      if (!assisted.ok) throw new Error(JSON.stringify(assisted.errors));
      await importDirectories(db.dataSource.manager, assisted.value, { by: 'test', disableOthers: false });
    },
    workers: 0,
    // Long enough that no lease of the first tests runs out, however slow the machine.
    env: { STAFF_PASSWORD_SCRYPT_N: String(2 ** 10), WORKER_LEASE_MS: '600000', QUEUE_LOCK_MS: '5000', RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'warn' },
  });
});

afterAll(() => stack?.stop());

async function workerKey(name: string, scopes: Array<'worker' | 'worker:credentials'> = ['worker']): Promise<{ id: string; token: string }> {
  const { key, token } = await createApiKey(stack.db.dataSource.manager, { name, scopes });
  return { id: key.id, token };
}

/** A worker API call with `key`; answers the status and the parsed body. */
async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.base}/worker${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const lease = (key: string, max = 1, capabilities = ['browser']) => call(key, 'POST', '/leases', { max, capabilities, worker: WORKER });

async function order(directoryIds: string[], name: string): Promise<string> {
  const customer = await post('/customers', { ...CUSTOMER, businessName: name, website: `https://${name.toLowerCase().replace(/\W+/g, '-')}.example` });
  return (await post('/jobs', { customerId: customer.id, directoryIds })).id;
}

/** Rows of the order, once every one is in the queue (the outbox relayed it). */
async function queued(jobId: string, n: number): Promise<void> {
  await waitFor(`${n} submissions of ${jobId} in the queue`, async () => ((await stack.queue.queue.getJobCountByTypes('wait', 'prioritized')) >= n ? true : undefined), { timeoutMs: DEADLINE.recovery, intervalMs: 200 });
}

const rows = (sql: string, params: unknown[] = []) => stack.db.dataSource.query(sql, params);

let held: Array<{ key: { id: string; token: string }; lease: Lease }> = [];
/** Leases the tests have settled: not held any more. */
const settled = new Set<string>();
let keys: Array<{ id: string; token: string }> = [];

it('leases each of 100 submissions exactly once to 1,000 concurrent calls from 50 keys', async () => {
  const jobId = await order(NORMAL.slice(0, 100), 'Many Workers');
  await queued(jobId, 100);
  keys = await Promise.all(Array.from({ length: 50 }, (_, i) => workerKey(`worker-${i}`)));
  const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => lease(keys[i % 50].token).then((a) => ({ a, key: keys[i % 50] }))));
  expect(answers.filter(({ a }) => a.status !== 200 && a.status !== 204)).toEqual([]);
  held = answers.flatMap(({ a, key }) => (a.status === 200 ? (a.body.leases as Lease[]).map((l) => ({ key, lease: l })) : []));
  expect(held).toHaveLength(100);
  expect(new Set(held.map((h) => h.lease.directory.id)).size).toBe(100);
  // PostgreSQL agrees: one lease per row, each row claimed once, each with the lease's token.
  const [db] = await rows(`SELECT count(*)::int AS leases, count(DISTINCT l.result_id)::int AS results, count(*) FILTER (WHERE r.attempt_token = l.token AND r.attempts = 1)::int AS fenced
                             FROM worker_leases l JOIN job_results r ON r.id = l.result_id WHERE l.job_id = $1`, [jobId]);
  expect(db).toEqual({ leases: 100, results: 100, fenced: 100 });
  // Each lease carries the customer's values its form uses, and nothing it does not.
  const { lease: one } = held[0];
  expect(one).toMatchObject({ kind: 'submit', attempt: 1, directory: { id: expect.stringMatching(/^sandbox-/) } });
  expect(one.values.businessName).toBe('Many Workers');
  expect(one.credentials).toBeUndefined();
  expect(Object.keys(one.values)).not.toContain('logo');
  // Nothing is left: every further call is told so.
  expect((await lease(keys[0].token)).status).toBe(204);
});

it('shows a worker only what it leased', async () => {
  const [mine, other] = [held[0], held.find((h) => h.key.id !== held[0].key.id)!];
  // Another key learns nothing of it and changes nothing, whatever it calls, even with the token.
  for (const [path, body] of [['heartbeat', {}], ['submitting', {}], ['complete', { outcome: { result: 'refused', reason: 'x', retryable: false } }], ['fail', { kind: 'page', message: 'x' }]] as const) {
    const peek = await call(other.key.token, 'POST', `/leases/${mine.lease.id}/${path}`, { token: mine.lease.token, ...body });
    expect([path, peek.status]).toEqual([path, 404]);
  }
  const upload = await fetch(`${stack.base}/worker/leases/${mine.lease.id}/screenshot`, {
    method: 'PUT',
    headers: { 'content-type': 'image/png', authorization: `Bearer ${other.key.token}`, 'x-lease-token': mine.lease.token },
    body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  });
  expect(upload.status).toBe(404);
  const ok = await call(mine.key.token, 'POST', `/leases/${mine.lease.id}/heartbeat`, { token: mine.lease.token, progress: 'filling', log: [{ at: new Date().toISOString(), event: 'navigated', detail: 'the form' }] });
  expect(ok.status).toBe(200);
  // Staff see the worker beside the fleet's own, what it holds and where it is, and the lease's log.
  const cookie = await signIn(stack.origin, STAFF);
  const fleet = await (await fetch(`${stack.origin}/dashboard/overview/live`, { headers: { cookie } })).text();
  expect(fleet).toContain('test-worker · remote worker 1.0.0, key');
  expect(fleet).toContain(`href="/dashboard/leases/${mine.lease.id}">lease: filling</a>`);
  const page = await (await fetch(`${stack.origin}/dashboard/leases/${mine.lease.id}`, { headers: { cookie } })).text();
  expect(page).toContain('<td>navigated</td><td>the form</td>');
  // A key without the worker scope is refused outright; a malformed lease call says what to fix.
  const reader = await createApiKey(stack.db.dataSource.manager, { name: 'reader', scopes: ['jobs:read'], account: 'leases' });
  expect((await lease(reader.token)).status).toBe(403);
  const bad = await call(mine.key.token, 'POST', '/leases', { max: 0, capabilities: ['teleport'], worker: { ...WORKER, id: 'has space' } });
  expect(bad.status).toBe(400);
  expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['capabilities', 'max', 'worker.id']);
});

it('settles a report once: the same report answers the same, a different one is 409, and a submitted without submitting is refused', async () => {
  const { key, lease: l } = held[1];
  const unasked = await call(key.token, 'POST', `/leases/${l.id}/complete`, { token: l.token, outcome: { result: 'submitted' } });
  expect(unasked.status).toBe(409);
  const go = await call(key.token, 'POST', `/leases/${l.id}/submitting`, { token: l.token });
  expect(go.status).toBe(200);
  expect(Date.parse(go.body.clickBy)).toBeGreaterThan(0);
  const report = { token: l.token, outcome: { result: 'submitted', reference: 'REF-1' }, log: [{ at: new Date().toISOString(), event: 'submitted' }] };
  const first = await call(key.token, 'POST', `/leases/${l.id}/complete`, report);
  settled.add(l.id);
  expect(first).toEqual({ status: 200, body: { status: 'submitted', detail: 'submitted' } });
  expect(await call(key.token, 'POST', `/leases/${l.id}/complete`, report)).toEqual(first);
  const other = await call(key.token, 'POST', `/leases/${l.id}/complete`, { ...report, outcome: { result: 'refused', reason: 'no', retryable: false } });
  expect(other.status).toBe(409);
  expect(other.body.type).toBe('/problems/lease-settled-otherwise');
  const [row] = await rows(`SELECT r.status, r.reference FROM job_results r JOIN worker_leases l ON l.result_id = r.id WHERE l.id = $1`, [l.id]);
  expect(row).toEqual({ status: 'submitted', reference: 'REF-1' });
  // Staff find what the worker reported on the lease's page too.
  const page = await (await fetch(`${stack.origin}/dashboard/leases/${l.id}`, { headers: { cookie: await signIn(stack.origin, STAFF) } })).text();
  expect(page).toContain('<td>submitted</td>');
  expect(page).toContain('status-settled">settled</span>');
  // The lease is over: its token renews nothing.
  const late = await call(key.token, 'POST', `/leases/${l.id}/heartbeat`, { token: l.token });
  expect(late.status).toBe(409);
  expect(late.body.type).toBe('/problems/lease-expired');
});

it('puts a refused, retryable answer back in the queue as a retry, and a final refusal fails the row', async () => {
  const [retry, final] = [held[2], held[3]];
  await call(retry.key.token, 'POST', `/leases/${retry.lease.id}/submitting`, { token: retry.lease.token });
  const a = await call(retry.key.token, 'POST', `/leases/${retry.lease.id}/complete`, { token: retry.lease.token, outcome: { result: 'refused', reason: 'try later', retryable: true } });
  expect(a.body.status).toBe('retry');
  const b = await call(final.key.token, 'POST', `/leases/${final.lease.id}/fail`, { token: final.lease.token, kind: 'page', message: 'the page broke' });
  expect(b.body.status).toBe('retry');
  settled.add(retry.lease.id).add(final.lease.id);
  // Both come back (after their backoff) and are leased again, as attempt 2.
  const want = [retry.lease.directory.id, final.lease.directory.id].sort();
  const again: Lease[] = [];
  await waitFor('both retried submissions to be leased again', async () => {
    const r = await lease(keys[5].token, 2);
    if (r.status === 200) again.push(...(r.body.leases as Lease[]));
    return again.length >= 2 ? true : undefined;
  }, { timeoutMs: DEADLINE.recovery, intervalMs: 300 });
  expect(again.map((l) => l.directory.id).sort()).toEqual(want);
  expect(again.map((l) => l.attempt)).toEqual([2, 2]);
  held.push(...again.map((l) => ({ key: keys[5], lease: l })));
});

it("ends a revoked key's leases: its submissions go back to the queue, attempts given back", async () => {
  const directories = NORMAL.slice(160, 163);
  const jobId = await order(directories, 'Revoked Worker');
  const revoked = await workerKey('to-revoke');
  const its: Lease[] = [];
  await waitFor('the order to be leased by the key to revoke', async () => {
    const r = await lease(revoked.token, 3);
    if (r.status === 200) its.push(...(r.body.leases as Lease[]));
    return its.length === directories.length ? true : undefined;
  }, { timeoutMs: DEADLINE.recovery, intervalMs: 200 });
  const res = await fetch(`${stack.base}/keys/${revoked.id}`, { method: 'DELETE', headers: stack.headers });
  expect(res.status).toBeLessThan(300);
  expect((await lease(revoked.token)).status).toBe(401);
  // Every one of them comes back, to another key, as the same attempt (the revoked one was given back).
  const fresh = await workerKey('after-revoke');
  const back: Lease[] = [];
  await waitFor("the revoked key's submissions to be leased by another key", async () => {
    const r = await lease(fresh.token, 3);
    if (r.status === 200) back.push(...(r.body.leases as Lease[]));
    return back.length >= directories.length ? true : undefined;
  }, { timeoutMs: DEADLINE.recovery, intervalMs: 300 });
  const byDirectory = (ls: Lease[]) => ls.map((l) => `${l.directory.id}#${l.attempt}`).sort();
  expect(byDirectory(back)).toEqual(byDirectory(its));
  expect(byDirectory(its)).toEqual(directories.map((d) => `${d}#1`));
  expect(await rows(`SELECT DISTINCT state FROM worker_leases WHERE key_id = $1`, [revoked.id])).toEqual([{ state: 'revoked' }]);
  // Their rows say why the attempt came back.
  const { items } = await get(`/jobs/${jobId}/results`);
  for (const r of items as Array<{ responseLog: Array<{ event: string; detail?: string }> }>) {
    expect(r.responseLog).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'given back; not counted as an attempt', detail: expect.stringMatching(/its API key was revoked$/) })]));
  }
});

it('leases a directory a person finishes only to a worker with a person at the browser, and such a worker nothing else', async () => {
  const ordinary = NORMAL[150];
  const jobId = await order([ASSISTED_SLUG, ordinary], 'Needs A Person');
  const [robot, person] = [await workerKey('robot'), await workerKey('person')];
  const robotGot = await waitFor('the ordinary directory to be leased', async () => {
    const r = await lease(robot.token, 5);
    return r.status === 200 ? (r.body.leases as Lease[]) : undefined;
  }, { timeoutMs: DEADLINE.recovery, intervalMs: 200 });
  expect(robotGot.map((l) => l.directory.id)).toEqual([ordinary]);
  // Staff see what waits for a person, apart from the fleet's queue.
  const cookie = await signIn(stack.origin, STAFF);
  const overview = await (await fetch(`${stack.origin}/dashboard/overview/live`, { headers: { cookie } })).text();
  expect(overview).toContain('1 submission waits for a person');
  const personGot = await waitFor('the assisted directory to be leased', async () => {
    const r = await lease(person.token, 5, ['browser', 'assisted']);
    return r.status === 200 ? (r.body.leases as Lease[]) : undefined;
  }, { timeoutMs: DEADLINE.recovery, intervalMs: 200 });
  expect(personGot.map((l) => [l.directory.id, l.directory.adapter.assisted])).toEqual([[ASSISTED_SLUG, true]]);
  expect((await lease(robot.token, 5)).status).toBe(204);
  expect((await rows(`SELECT directory_id AS d, queue FROM worker_leases WHERE job_id = $1 ORDER BY queue`, [jobId]))).toEqual([
    { d: ASSISTED_SLUG, queue: 'assisted' },
    { d: ordinary, queue: 'submissions' },
  ]);
});

it('returns the work of a lease nobody renews to the queue; the old token then changes nothing', async () => {
  // A short lease from here on, and a low cap per key.
  stack.env.WORKER_LEASE_MS = '3000';
  stack.env.WORKER_MAX_LEASES_PER_KEY = '3';
  // A short step timeout: an unanswered click's row is checked again soon after its deadline.
  stack.env.SUBMIT_TIMEOUT_MS = '2000';
  await stack.api.kill('SIGTERM');
  await stack.startApi();
  const jobId = await order(NORMAL.slice(100, 105), 'Short Leases');
  await queued(jobId, 5);
  const [a, b] = [await workerKey('lapsing'), await workerKey('taking-over')];
  const first = await lease(a.token, 5);
  expect(first.status).toBe(200);
  // The cap: three of the five, and a fourth call is refused until one is settled.
  expect(first.body.leases).toHaveLength(3);
  const capped = await lease(a.token, 1);
  expect(capped.status).toBe(429);
  expect(capped.body.type).toBe('/problems/leases-limit');
  const lapsing = first.body.leases as Lease[];
  // Nobody renews: the work comes back and another key leases it, as the same row's next attempt.
  let gone: Lease | undefined;
  const taken = await waitFor("a lapsed lease's submission to be leased again", async () => {
    const r = await lease(b.token, 3);
    for (const l of r.status === 200 ? (r.body.leases as Lease[]) : []) {
      gone ??= lapsing.find((x) => x.directory.id === l.directory.id);
      if (gone?.directory.id === l.directory.id) return l;
    }
    return undefined;
  }, { timeoutMs: DEADLINE.recovery, intervalMs: 500 });
  const lapsed = gone!;
  expect(taken.token).not.toBe(lapsed.token);
  const stale = await call(a.token, 'POST', `/leases/${lapsed.id}/complete`, { token: lapsed.token, outcome: { result: 'refused', reason: 'late', retryable: false } });
  expect(stale.status).toBe(409);
  expect(stale.body.type).toBe('/problems/lease-expired');
  const staleBeat = await call(a.token, 'POST', `/leases/${lapsed.id}/heartbeat`, { token: lapsed.token });
  expect(staleBeat.body.type).toBe('/problems/lease-expired');
  // The row is the new lease's: the late report changed nothing.
  const [row] = await rows(`SELECT r.status, r.attempt_token AS token FROM job_results r JOIN worker_leases l ON l.result_id = r.id WHERE l.id = $1`, [taken.id]);
  expect(row).toEqual({ status: 'pending', token: taken.token });
  const { items } = await get(`/jobs/${jobId}/results`);
  expect(items.find((r: { directoryId: string }) => r.directoryId === lapsed.directory.id).status).toBe('pending');
  // Done with this order: cancelled, its entries offer nothing to the next test's workers.
  await post(`/jobs/${jobId}/cancel`, {});
});

it('hands an unanswered click to the next worker as a verify lease, never as a submission; not listed, it is submitted afresh', async () => {
  const directory = NORMAL[170];
  await order([directory], 'Unanswered Click');
  const [clicker, checker] = [await workerKey('clicker'), await workerKey('checker')];
  const leaseOne = async (key: string) => {
    const r = await lease(key);
    return r.status === 200 ? (r.body.leases as Lease[])[0] : undefined;
  };
  const first = await waitFor('the submission to be leased', () => leaseOne(clicker.token), { timeoutMs: DEADLINE.recovery, intervalMs: 200 });
  expect((await call(clicker.token, 'POST', `/leases/${first.id}/submitting`, { token: first.token })).status).toBe(200);
  // The clicker goes silent after its click: whoever comes next only asks the directory.
  const verify = await waitFor('a verify lease of the row', () => leaseOne(checker.token), { timeoutMs: DEADLINE.recovery, intervalMs: 500 });
  expect(verify).toMatchObject({ kind: 'verify', attempt: 2, directory: { id: directory } });
  expect((await call(checker.token, 'POST', `/leases/${verify.id}/submitting`, { token: verify.token })).status).toBe(409);
  // A verify lease is answered with listed, never an outcome.
  expect((await call(checker.token, 'POST', `/leases/${verify.id}/complete`, { token: verify.token, outcome: { result: 'submitted' } })).status).toBe(400);
  const answer = await call(checker.token, 'POST', `/leases/${verify.id}/complete`, { token: verify.token, listed: false });
  expect(answer.body.status).toBe('retry');
  const again = await waitFor('the row to be leased for a submission again', () => leaseOne(checker.token), { timeoutMs: DEADLINE.recovery, intervalMs: 300 });
  expect(again).toMatchObject({ kind: 'submit', attempt: 3, directory: { id: directory } });
  // The clicker's old token opens nothing.
  const late = await call(clicker.token, 'POST', `/leases/${first.id}/complete`, { token: first.token, outcome: { result: 'submitted' } });
  expect(late.body.type).toBe('/problems/lease-expired');
});
