import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createApiKey } from '../src/auth/api-keys.service';
import { behaviourOf } from '../src/sandbox/behaviour';
import { sandboxSlug } from '../src/sandbox/catalogue';
import { type Proc, startRemoteWorker } from '../harness/processes';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { apiClient } from './support/http';
import { Stack } from './support/stack';

/**
 * The reference remote worker (src/remote-worker) beside the fleet: a process with the API's
 * address and a key of scope `worker` and nothing else (no database, no Redis, none of Boltline's
 * settings), doing directory submissions through the lease protocol with the same engine as the
 * fleet's worker. The sandbox's record of what it received is the ground truth: one listing per
 * directory, whoever submitted it.
 */
let stack: Stack;
let workerKey: string;
const remotes: Proc[] = [];

/** Sandbox directories that behave normally (no slow pages, no first-time 500, never "already listed"), from position 1 on. */
const NORMAL = Array.from({ length: 500 }, (_, i) => i + 1).filter((p) => behaviourOf(p) === 'normal').map(sandboxSlug);
const FIRST_ORDER = NORMAL.slice(0, 20);
const SECOND_ORDER = NORMAL.slice(20, 40);

beforeAll(async () => {
  stack = await Stack.start({
    name: 'remote',
    env: {
      QUEUE_LOCK_MS: '4000',
      RECONCILE_INTERVAL_MS: '5000',
      SHUTDOWN_GRACE_MS: '10000',
      // Short, so that the lease the SIGKILLed remote worker held comes back soon.
      WORKER_LEASE_MS: '6000',
    },
  });
  workerKey = (await createApiKey(stack.db.dataSource.manager, { name: 'remote-worker', scopes: ['worker'] })).token;
  remotes.push(await startRemote());
});

afterAll(async () => {
  await Promise.all(remotes.map((r) => r.kill('SIGKILL')));
  await stack?.stop();
});

const { post, get } = apiClient(() => stack);

/** A remote worker as an operator starts it: its environment built from scratch, no database or Redis settings at all. */
function startRemote(): Promise<Proc> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' };
  return startRemoteWorker(['--api', stack.origin, '--key', workerKey, '--id', 'remote-test', '--slots', '2'], env);
}

async function order(website: string, directoryIds: string[]) {
  const customer = await post('/customers', { ...CUSTOMER, businessName: `Remote ${website}`, website });
  return post('/jobs', { customerId: customer.id, directoryIds });
}

/** What a killed worker's lease may keep its work from the others: until it expires on the server. */
const LEASE_EXPIRY_ALLOWANCE_MS = 120_000;

/** Until the order is completed; `waitMore`: on top of what its directories take (a lease to expire). */
async function untilFinished(id: string, directories: number, waitMore = 0) {
  return waitFor(`job ${id} to complete`, async () => {
    const job = await get(`/jobs/${id}`);
    return job.status === 'completed' ? job : undefined;
  }, {
    timeoutMs: orderDeadline(directories) + waitMore,
    intervalMs: 250,
    describe: async () => JSON.stringify((await get(`/jobs/${id}`)).progress) + [...stack.workers, ...remotes].map((w) => w.output().slice(-1500)).join('\n'),
  });
}

/** The sandbox's own record: what each directory received for one website. */
function receivedBySlug(website: string): Record<string, string[]> {
  const counts: Record<string, string[]> = {};
  for (const s of stack.sandbox.received().filter((r) => r.website === website)) (counts[s.slug] ??= []).push(s.outcome);
  return counts;
}

/** The remote worker's own lines: which leases it started, and which it ended, by lease id, naming the directory. */
function leases(remote: Proc): { started: Map<string, string>; ended: Map<string, string> } {
  const started = new Map<string, string>();
  const ended = new Map<string, string>();
  for (const m of remote.output().matchAll(/lease (\S+) \((?:submit|verify) (\S+), attempt \d+\): (.*)$/gm)) {
    if (m[3] === 'started') started.set(m[1], m[2]);
    else ended.set(m[1], `${m[2]}: ${m[3]}`);
  }
  return { started, ended };
}

/** Directories whose submission the remote worker reported, and the server recorded, as submitted. */
function submittedByRemote(remote: Proc): string[] {
  return [...leases(remote).ended.values()].filter((e) => /^\S+: submitted.*; the row is submitted$/.test(e)).map((e) => e.split(':')[0]);
}

const everyRow = (items: Array<{ directoryId: string; status: string }>) => Object.fromEntries(items.map((r) => [r.directoryId, r.status]));

it('does a 20-directory order beside a fleet worker, holding only the API address and a worker key', async () => {
  // Nothing of Boltline's settings reached it: no database, no Redis, no queue prefix.
  const environ = readFileSync(`/proc/${remotes[0].child.pid}/environ`, 'utf8').split('\0').filter(Boolean).map((v) => v.split('=')[0]);
  expect(environ.sort()).toEqual(['CHROMIUM_PATH', 'HOME', 'PATH']);
  const website = 'https://remote-first.example';
  // The fleet's worker is held still until the remote worker has submitted one of the order, so
  // that both take part whatever the machine's speed; then they share the rest.
  const fleetPid = stack.worker.child.pid!;
  process.kill(fleetPid, 'SIGSTOP');
  let job: { id: string };
  try {
    job = await order(website, FIRST_ORDER);
    await waitFor('the remote worker to submit a directory of the order', async () => (submittedByRemote(remotes[0]).some((d) => FIRST_ORDER.includes(d)) ? true : undefined), {
      timeoutMs: DEADLINE.firstSubmission,
      intervalMs: 250,
      describe: async () => remotes[0].output().slice(-2000),
    });
  } finally {
    process.kill(fleetPid, 'SIGCONT');
  }
  const done = await untilFinished(job.id, FIRST_ORDER.length);
  expect(done.progress).toMatchObject({ total: 20, submitted: 20, failed: 0, needsReview: 0, pending: 0 });
  const { items } = await get(`/jobs/${job.id}/results`);
  expect(everyRow(items)).toEqual(Object.fromEntries(FIRST_ORDER.map((d) => [d, 'submitted'])));
  // Exactly one listing per directory reached the sandbox, whichever worker sent it.
  expect(receivedBySlug(website)).toEqual(Object.fromEntries(FIRST_ORDER.map((d) => [d, ['accepted']])));

  // The remote worker did some of it: its own log says so, with the row's status the server answered,
  // and so do the rows it did, in Boltline's words.
  const byRemote = submittedByRemote(remotes[0]).filter((d) => FIRST_ORDER.includes(d));
  expect(byRemote.length).toBeGreaterThan(0);
  const leasedRows = items.filter((r: { responseLog: Array<{ event: string; detail?: string }> }) => r.responseLog.some((e) => e.event === 'leased to a remote worker' && e.detail?.startsWith('remote-test (remote ')));
  expect(leasedRows.map((r: { directoryId: string }) => r.directoryId)).toEqual(expect.arrayContaining(byRemote));
  // What it saw of the page went with its report: the log lines and the screenshot.
  const row = items.find((r: { directoryId: string }) => r.directoryId === byRemote[0]);
  expect(row.responseLog.some((e: { event: string }) => e.event === 'accepted')).toBe(true);
  expect(row.screenshotUrl).toBe(`/api/v1/jobs/${job.id}/results/${row.directoryId}/screenshot`);
  const shot = await fetch(`${stack.origin}${row.screenshotUrl}`, { headers: stack.headers });
  expect([shot.status, shot.headers.get('content-type')]).toEqual([200, 'image/png']);
  // Never its key in its output.
  expect(remotes[0].output()).not.toContain(workerKey);
});

it('finishes an order after the remote worker is SIGKILLed holding a lease, submitting no directory twice', async () => {
  const website = 'https://remote-killed.example';
  const job = await order(website, SECOND_ORDER);
  const first = remotes[0];
  // Killed while it holds a lease of this order: started, not ended.
  const held = await waitFor('the remote worker to hold a lease of the order', async () => {
    const { started, ended } = leases(first);
    return [...started].find(([id, directory]) => SECOND_ORDER.includes(directory) && !ended.has(id));
  }, { timeoutMs: DEADLINE.firstSubmission, intervalMs: 50, describe: async () => first.output().slice(-2000) });
  expect(await first.kill('SIGKILL')).toBe('SIGKILL');
  // Its lease expires on the server; the fleet's worker and a restarted remote worker finish the order.
  const second = await startRemote();
  remotes.push(second);

  const done = await untilFinished(job.id, SECOND_ORDER.length, LEASE_EXPIRY_ALLOWANCE_MS);
  expect(done.progress).toMatchObject({ total: 20, submitted: 20, failed: 0, needsReview: 0, pending: 0 });
  const { items } = await get(`/jobs/${job.id}/results`);
  expect(everyRow(items)).toEqual(Object.fromEntries(SECOND_ORDER.map((d) => [d, 'submitted'])));
  // The directory it was working on when killed (held[1]) got its listing once, like every other.
  expect(receivedBySlug(website)).toEqual(Object.fromEntries(SECOND_ORDER.map((d) => [d, ['accepted']])));
  expect(receivedBySlug(website)[held[1]]).toEqual(['accepted']);

  // Asked to stop with nothing in flight, it exits 0.
  expect(await second.kill('SIGTERM')).toBe(0);
  expect(second.output()).toMatch(/remote worker remote-test stopped/);
});
