import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCatalogue, writeCatalogue } from '../src/directories/catalogue-file';
import { SANDBOX_CATALOGUE_FILE } from '../src/sandbox/catalogue';
import { PROJECT_ROOT } from '../harness/root';
import { CUSTOMER } from './support/api-app';
import { apiClient, fetchRetrying } from './support/http';
import { descendants, isAlive } from '../harness/processes';
import { Stack, workerUrl } from './support/stack';
import { parseScrape, total } from './support/prometheus';
import { waitFor } from '../harness/wait';
import { DEADLINE, orderDeadline } from './support/deadlines';

/**
 * The whole pipeline on the real components: the API and the workers as separate processes,
 * PostgreSQL, Redis, Chromium, and the sandbox directory sites as the outside world.
 */
let stack: Stack;
let scratch: string;

/**
 * `npm run directories -- ...`, as an operator runs it; answers its output. Not execFileSync:
 * a test process frozen for seconds cannot notice the API closing its idle keep-alive
 * connections, and its next request would go out on a closed socket ("other side closed").
 */
async function directoriesCommand(args: string[], databaseUrl = stack.db.url): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'dist', 'src', 'authoring', 'directories.cli.js'), ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  return stdout;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'boltline-e2e-catalogue-'));
  stack = await Stack.start({
    name: 'e2e',
    sandbox: { slowMs: 400 },
    // The sandbox's catalogue file, through the import command.
    sandboxCatalogue: false,
    seed: async ({ db, sandbox }) => {
      expect(await directoriesCommand(['import', SANDBOX_CATALOGUE_FILE, '--base-url', `${sandbox.url}/`], db.url)).toMatch(/^added 520, changed 0 .*disabled 0, unchanged 0$/m);
    },
    env: {
      QUEUE_LOCK_MS: '4000',
      RECONCILE_INTERVAL_MS: '5000',
      SHUTDOWN_GRACE_MS: '20000',
      // Small, so browsers are replaced during the orders below.
      BROWSER_RECYCLE_AFTER: '7',
    },
  });
});

afterAll(() => stack?.stop());

const { post, get } = apiClient(() => stack);

async function order(website: string, directoryIds: string[]) {
  const customer = await post('/customers', { ...CUSTOMER, businessName: `E2E ${website}`, website });
  return post('/jobs', { customerId: customer.id, directoryIds });
}

const positions = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `sandbox-${String(from + i).padStart(4, '0')}`);

/** Until the order is completed; `directories` sizes the deadline (one worker, two slots). */
async function untilFinished(id: string, directories: number) {
  return waitFor(`job ${id} to complete`, async () => {
    const job = await get(`/jobs/${id}`);
    return job.status === 'completed' ? job : undefined;
  }, { timeoutMs: orderDeadline(directories), intervalMs: 250, describe: async () => JSON.stringify((await get(`/jobs/${id}`)).progress) + stack.workers.map((w) => w.output().slice(-1500)).join('\n') });
}

/** The sandbox's own record: what each directory received for one website. */
function receivedBySlug(website: string) {
  const counts = new Map<string, string[]>();
  for (const s of stack.sandbox.received().filter((r) => r.website === website)) counts.set(s.slug, [...(counts.get(s.slug) ?? []), s.outcome]);
  return counts;
}

it('submits a 20-directory order through real Chromium, once per directory', async () => {
  const website = 'https://twenty.example';
  // The client's request id: it follows the order into every worker log line about it.
  const requestId = `e2e-twenty-${Date.now()}`;
  const customer = await post('/customers', { ...CUSTOMER, businessName: `E2E ${website}`, website });
  const created = await fetchRetrying(`${stack.base}/jobs`, {
    method: 'POST',
    headers: { ...stack.headers, 'x-request-id': requestId },
    body: JSON.stringify({ customerId: customer.id, directoryIds: positions(1, 20) }),
  });
  expect([created.status, created.headers.get('x-request-id')]).toEqual([201, requestId]);
  const job = await created.json();
  expect(job.requestId).toBe(requestId);
  expect(job.progress).toEqual({ total: 20, submitted: 0, failed: 0, cancelled: 0, needsReview: 0, blocked: 0, pending: 20, percent: 0 });

  expect(job.outcome).toBeNull();
  const done = await untilFinished(job.id, 20);
  expect(done.progress).toEqual({ total: 20, submitted: 20, failed: 0, cancelled: 0, needsReview: 0, blocked: 0, pending: 0, percent: 100 });
  expect(done.outcome).toBe('succeeded');
  expect(done.startedAt).not.toBeNull();
  expect(done.completedAt).not.toBeNull();

  const { items } = await get(`/jobs/${job.id}/results`);
  expect(items).toHaveLength(20);
  for (const r of items) {
    expect(r).toMatchObject({ status: 'submitted', errorMessage: null });
    expect(r.submittedAt).not.toBeNull();
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.responseLog.some((e: { event: string }) => e.event === 'accepted')).toBe(true);
    // The screenshot the worker took, fetched as a client would: a URL, not a path on the server.
    expect(r).not.toHaveProperty('screenshotPath');
    expect(r.screenshotUrl).toBe(`/api/v1/jobs/${job.id}/results/${r.directoryId}/screenshot`);
    const shot = await fetch(`${stack.origin}${r.screenshotUrl}`, { headers: stack.headers });
    expect([r.directoryId, shot.status, shot.headers.get('content-type')]).toEqual([r.directoryId, 200, 'image/png']);
    expect(Buffer.from(await shot.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  }
  expect(JSON.stringify(items)).not.toContain(stack.env.ARTIFACT_DIR);
  // Flaky directories answered their first POST with 500: each row shows a later attempt (at
  // least 2; a loaded machine may add one), and the sandbox's record below shows one listing each.
  const flaky = items.filter((r: { directoryId: string }) => ['sandbox-0005', 'sandbox-0012', 'sandbox-0019'].includes(r.directoryId));
  expect(flaky).toHaveLength(3);
  for (const r of flaky) expect([r.directoryId, r.attempts >= 2]).toEqual([r.directoryId, true]);

  const received = receivedBySlug(website);
  expect([...received.keys()].sort()).toEqual(positions(1, 20));
  for (const outcomes of received.values()) expect(outcomes).toEqual(['accepted']);

  // The worker's metrics tell the same story: one submitted attempt per directory, attempts before
  // it for the flaky ones, and a duration for each attempt.
  const worker = parseScrape(await (await fetch(`${workerUrl(stack.worker)}/metrics`)).text());
  for (const r of items) {
    expect([r.directoryId, total(worker, 'boltline_submission_attempts_total', { directory: r.directoryId, outcome: 'submitted' })]).toEqual([r.directoryId, 1]);
  }
  for (const r of flaky) {
    const before = total(worker, 'boltline_submission_attempts_total', { directory: r.directoryId }) - 1;
    expect([r.directoryId, before >= 1]).toEqual([r.directoryId, true]);
  }
  expect(total(worker, 'boltline_submission_duration_seconds_count')).toBe(total(worker, 'boltline_submission_attempts_total'));
  expect(total(worker, 'boltline_worker_slots', { state: 'busy' })).toBe(0);
  // One request id, in the API's access line of the request and on every worker line about the order.
  const lines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  expect(lines(stack.api.output()).filter((l) => l.req?.id === requestId && l.req?.url === '/api/v1/jobs')).toHaveLength(1);
  const workerLines = lines(stack.worker.output()).filter((l) => l.orderId === job.id);
  for (const r of items) {
    const finished = workerLines.filter((l) => l.directoryId === r.directoryId && /^sandbox-\d+ attempt \d+: /.test(l.msg));
    expect([r.directoryId, finished.length >= 1]).toEqual([r.directoryId, true]);
  }
  expect(workerLines.filter((l) => l.requestId !== requestId)).toEqual([]);
  const api = parseScrape(await (await fetch(`${stack.origin}/metrics`)).text());
  expect(total(api, 'boltline_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/jobs', status: '201' })).toBeGreaterThanOrEqual(1);
  expect(total(api, 'boltline_outbox_oldest_unsent_seconds')).toBe(0);
});

it('finishes an order after a worker is SIGKILLed mid-run, submitting no directory twice', async () => {
  const website = 'https://killed.example';
  const job = await order(website, positions(21, 60));
  await waitFor('a few submissions before the kill', async () => (await get(`/jobs/${job.id}`)).progress.submitted >= 4, { timeoutMs: DEADLINE.firstSubmission });
  expect(await stack.workers[0].kill('SIGKILL')).toBe('SIGKILL');
  await stack.addWorker();

  const done = await untilFinished(job.id, 40);
  // sandbox-0050 always answers "already listed": a permanent failure, not retried.
  expect(done.progress).toMatchObject({ total: 40, submitted: 39, failed: 1, pending: 0 });
  expect(done).toMatchObject({ status: 'completed', outcome: 'partially_failed' });
  const { items } = await get(`/jobs/${job.id}/results`);
  const failed = items.filter((r: { status: string }) => r.status === 'failed');
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ directoryId: 'sandbox-0050', attempts: 1, errorMessage: expect.stringMatching(/already listed/i) });

  const received = receivedBySlug(website);
  expect([...received.keys()].sort()).toEqual(positions(21, 60));
  for (const [slug, outcomes] of received) expect([slug, outcomes]).toEqual([slug, [slug === 'sandbox-0050' ? 'already_listed' : 'accepted']]);
});

it('ends an order whose every directory refused the listing as failed, not as a success', async () => {
  const website = 'https://refused.example';
  // Both always answer "already listed": a final failure each, not retried.
  const job = await order(website, ['sandbox-0050', 'sandbox-0101']);
  const done = await untilFinished(job.id, 2);
  expect(done).toMatchObject({ status: 'completed', outcome: 'failed', progress: { submitted: 0, failed: 2, pending: 0 } });
  expect(Object.fromEntries(receivedBySlug(website))).toEqual({ 'sandbox-0050': ['already_listed'], 'sandbox-0101': ['already_listed'] });
});

it('stops a worker on SIGTERM with exit code 0', async () => {
  const worker = stack.workers[stack.workers.length - 1];
  const job = await order('https://sigterm.example', positions(61, 66));
  await waitFor('the worker to start on the order', async () => (await get(`/jobs/${job.id}`)).status === 'running', { timeoutMs: DEADLINE.firstSubmission });
  const browserProcesses = descendants(worker.child.pid as number);
  expect(browserProcesses.length).toBeGreaterThan(0);
  expect(await worker.kill('SIGTERM')).toBe(0);
  // Its Chromium went with it: no process it started outlives it.
  await waitFor('the stopped worker\'s Chromium processes to exit', async () => browserProcesses.filter(isAlive).length === 0, {
    timeoutMs: DEADLINE.event,
    describe: async () => browserProcesses.filter(isAlive).join(', '),
  });
  // What the stopped worker did not finish is handed back; a new worker completes the order.
  await stack.addWorker();
  const done = await untilFinished(job.id, 6);
  expect(done.progress).toMatchObject({ submitted: 6, pending: 0 });
  for (const outcomes of receivedBySlug('https://sigterm.example').values()) expect(outcomes).toEqual(['accepted']);
});

it('after a crash between click and record, asks the directory instead of submitting again', async () => {
  const website = 'https://interrupted.example';
  const job = await order(website, ['sandbox-0071', 'sandbox-0072']);
  await untilFinished(job.id, 2);
  // Recreate what a worker killed right after clicking leaves behind: rows in `submitting`, no
  // queue entry. sandbox-0071 did receive the listing; sandbox-0073 (in place of 0072) never did.
  await stack.db.dataSource.query(
    `UPDATE job_results SET status = 'submitting', generation = generation + 1, submitted_at = NULL,
            finished_at = NULL, updated_at = now() - interval '1 minute',
            directory_id = CASE directory_id WHEN 'sandbox-0072' THEN 'sandbox-0073' ELSE directory_id END
      WHERE job_id = $1`,
    [job.id],
  );
  await stack.db.dataSource.query(`UPDATE jobs SET status = 'running', submitted = 0, completed_at = NULL WHERE id = $1`, [job.id]);

  // The reconciler finds the rows missing from Redis and queues them; the workers verify.
  const done = await untilFinished(job.id, 2);
  expect(done.progress).toMatchObject({ submitted: 2, failed: 0, needsReview: 0 });
  const received = receivedBySlug(website);
  expect(Object.fromEntries(received)).toEqual({ 'sandbox-0071': ['accepted'], 'sandbox-0072': ['accepted'], 'sandbox-0073': ['accepted'] });
  const { items } = await get(`/jobs/${job.id}/results`);
  const verified = items.find((r: { directoryId: string }) => r.directoryId === 'sandbox-0071');
  expect(verified.responseLog.at(-1)).toMatchObject({ event: 'verified after an interrupted attempt', detail: 'listed: true' });
});

it('exports the catalogue it imported, and a result names the revision of the definition it ran with', async () => {
  // Every attempt above ran the imported definitions: revision 1.
  expect(await stack.db.dataSource.query(`SELECT DISTINCT directory_revision FROM job_results WHERE attempts > 0`)).toEqual([{ directory_revision: 1 }]);

  const exported = join(scratch, 'export.yaml');
  await directoriesCommand(['export', exported]);
  const imported = readCatalogue(readFileSync(SANDBOX_CATALOGUE_FILE, 'utf8'), `${stack.sandbox.url}/`);
  const read = readCatalogue(readFileSync(exported, 'utf8'));
  expect(read).toEqual(imported);
  if (!read.ok) throw new Error('unreadable export');

  // One directory's definition changes: a new revision, which the next attempt runs and records.
  const changed = read.value.map((d) => (d.id === 'sandbox-0002' ? { ...d, adapter: { ...d.adapter, description: 'two-step, revised' } } : d));
  const edited = join(scratch, 'edited.json');
  writeFileSync(edited, writeCatalogue(changed, 'json'));
  expect(await directoriesCommand(['import', edited])).toMatch(/^added 0, changed 1 \(1 with a new revision\), disabled 0, unchanged 519$/m);
  expect(await directoriesCommand(['import', edited])).toMatch(/^added 0, changed 0 \(0 with a new revision\), disabled 0, unchanged 520$/m);

  const job = await order('https://revision.example', ['sandbox-0001', 'sandbox-0002']);
  await untilFinished(job.id, 2);
  const { items } = await get(`/jobs/${job.id}/results`);
  expect(Object.fromEntries(items.map((r: { directoryId: string; directoryRevision: number }) => [r.directoryId, r.directoryRevision]))).toEqual({
    'sandbox-0001': 1,
    'sandbox-0002': 2,
  });
});
