import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApiKey } from '../src/auth/api-keys.service';
import { readCatalogue } from '../src/directories/catalogue-file';
import { importDirectories } from '../src/directories/directory-store';
import { behaviourOf } from '../src/sandbox/behaviour';
import { sandboxSlug } from '../src/sandbox/catalogue';
import { ASSISTED_CATALOGUE_FILE, ASSISTED_CHALLENGE_SELECTOR, ASSISTED_SLUG } from '../src/sandbox/features/assisted';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { apiClient } from './support/http';
import { Stack } from './support/stack';

/**
 * The staff browser extension (extension/) in a real Chromium, loaded unpacked: set up on its
 * options page with the API's URL and a key with the `worker` scope only, it leases the assisted
 * sandbox directory (src/sandbox/features/assisted.ts), fills its form in a tab and outlines the
 * stand-in CAPTCHA; the test, as the person, types the word the page shows and presses send; the
 * row ends `submitted` with the page's reference and a screenshot, and the directory received
 * exactly one listing. A wrong word is reported as the directory's refusal and the form offered
 * again; a key revoked while the form waits closes the tab and sends nothing. A worker of the
 * fleet runs beside it: an order's ordinary directories are the fleet's, its assisted one only
 * the extension's (each has a queue of its own).
 *
 * Debian's Chromium (unbranded, so --load-extension still works) loads an MV3 extension in its
 * headless mode, service worker and chrome.tabs.captureVisibleTab included: no Xvfb is needed.
 */
const EXTENSION = resolve(__dirname, '..', 'extension');
/** What the test reads in the extension's service worker. */
declare const chrome: { storage: { local: { get(key: string): Promise<Record<string, unknown>> } } };

let stack: Stack;
let context: BrowserContext;
let profile: string;
let extensionId: string;
let workerKey: { id: string; token: string };
let adminHeaders: Record<string, string>;
/** Tabs on the directory's form the tests have already seen: each lease opens a new one. */
const seen = new Set<Page>();
const { post, get } = apiClient(() => stack);

beforeAll(async () => {
  stack = await Stack.start({
    name: 'extension',
    workers: 1,
    seed: async ({ db, sandbox }) => {
      const assisted = readCatalogue(readFileSync(ASSISTED_CATALOGUE_FILE, 'utf8'), `${sandbox.url}/`);
      if (!assisted.ok) throw new Error(JSON.stringify(assisted.errors));
      await importDirectories(db.dataSource.manager, assisted.value, { by: 'test', disableOthers: false });
    },
    // The click deadline is a few seconds by default; a loaded machine may spend them between the
    // handshake and the click. The deadline logic is the same at 30 s.
    env: { LOG_LEVEL: 'warn', SUBMIT_LEASE_MS: '30000' },
  });
  const made = await createApiKey(stack.db.dataSource.manager, { name: 'staff-browser', scopes: ['worker'] });
  workerKey = { id: made.key.id, token: made.token };
  adminHeaders = { 'content-type': 'application/json', authorization: `Bearer ${(await createApiKey(stack.db.dataSource.manager, { name: 'extension-admin', scopes: ['admin'] })).token}` };
  profile = mkdtempSync(join(tmpdir(), 'boltline-extension-profile-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: DEADLINE.event }));
  extensionId = new URL(worker.url()).host;
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** The next tab the extension opens on the directory's form (each lease opens one). */
async function directoryTab(): Promise<Page> {
  const tab = await waitFor('the extension to open the directory in a tab', async () => context.pages().find((p) => !seen.has(p) && p.url() === `${stack.sandbox.url}/f/assisted/listing/`), {
    timeoutMs: DEADLINE.firstSubmission,
    intervalMs: 250,
    describe: async () => `tabs: ${context.pages().map((p) => p.url()).join(', ')}; extension: ${await extensionStatus()}`,
  });
  seen.add(tab);
  // Filled once the send button is outlined.
  await tab.locator('[data-boltline="send"]').waitFor({ timeout: DEADLINE.event });
  return tab;
}

async function order(ordinary: string[] = []): Promise<string> {
  const customer = await post('/customers', CUSTOMER);
  return (await post('/jobs', { customerId: customer.id, directoryIds: [ASSISTED_SLUG, ...ordinary] })).id;
}

/** The assisted directory's row of an order. */
async function assistedRow(jobId: string): Promise<Row> {
  return ((await get(`/jobs/${jobId}/results`)).items as Row[]).find((r) => r.directoryId === ASSISTED_SLUG)!;
}

/** What the assisted directory received. */
const receivedByAssisted = () => stack.sandbox.received().filter((r) => r.slug === ASSISTED_SLUG);

/** Ordinary sandbox directories (not slow, flaky or always listed): the fleet's work. */
const ORDINARY = [1, 2, 4, 5].filter((p) => behaviourOf(p) === 'normal').slice(0, 2).map(sandboxSlug);

interface Row {
  directoryId: string;
  status: string;
  attempts: number;
  reference: string | null;
  screenshotUrl: string | null;
  responseLog: { event: string; detail?: string }[];
}

async function rowOnceIt(jobId: string, what: string, holds: (row: Row) => boolean): Promise<Row> {
  return waitFor(`the row to be ${what}`, async () => {
    const row = await assistedRow(jobId);
    return holds(row) ? row : undefined;
  }, { timeoutMs: DEADLINE.firstSubmission, intervalMs: 250, describe: async () => `${JSON.stringify((await get(`/jobs/${jobId}/results`)).items)}; extension: ${await extensionStatus()}` });
}

async function extensionStatus(): Promise<string> {
  const worker = context.serviceWorkers()[0];
  return worker ? JSON.stringify(await worker.evaluate(() => chrome.storage.local.get('status')).catch((err: Error) => err.message)) : 'no service worker';
}

it('loads headless as an MV3 service worker and is set up on its options page', async () => {
  const manifest = JSON.parse(readFileSync(join(EXTENSION, 'manifest.json'), 'utf8'));
  expect(context.serviceWorkers()[0].url()).toBe(`chrome-extension://${extensionId}/${manifest.background.service_worker}`);
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/options.html`);
  await options.getByLabel('Boltline URL').fill(`${stack.origin}/`);
  await options.getByLabel('Worker key').fill(workerKey.token);
  await options.getByRole('button', { name: 'Save' }).click();
  await options.getByText('Saved.').waitFor({ timeout: DEADLINE.event });
  // The service worker asked for work with the key and found none yet.
  await options.locator('#status', { hasText: 'waiting for work' }).waitFor({ timeout: DEADLINE.event });
  await options.close();
});

it('fills the assisted directory, leaves the CAPTCHA to the person, and reports the answer with a screenshot once the person sends it', async () => {
  const jobId = await order(ORDINARY);
  const tab = await directoryTab();

  // Filled as the definition says; outlined: the CAPTCHA's field (the only control left) and the send button.
  const form = await tab.evaluate(() => Object.fromEntries(new FormData(document.querySelector('form')!) as unknown as Iterable<[string, string]>));
  expect(form).toEqual({
    name: CUSTOMER.businessName,
    website: CUSTOMER.website,
    category: CUSTOMER.category,
    phone: '15125550100',
    where: '12 Main Street, Austin 78701',
    plan: 'p0',
    terms: 'yes',
    captcha: '',
    challenge: expect.stringMatching(/^[0-9a-f]{16}$/),
  });
  expect(await tab.locator('[data-boltline="todo"]').evaluateAll((els) => els.map((e) => [e.id, (e as HTMLElement).style.outlineStyle]))).toEqual([['answer', 'solid']]);
  expect(await tab.getByRole('button', { name: 'Send listing' }).getAttribute('data-boltline')).toBe('send');
  // Nothing is sent until the person sends it.
  expect(receivedByAssisted()).toEqual([]);
  expect((await assistedRow(jobId)).status).not.toBe('submitted');

  // The person reads the word, types it and presses send.
  const word = (await tab.locator(ASSISTED_CHALLENGE_SELECTOR).innerText()).trim();
  await tab.getByLabel('Word').pressSequentially(word);
  await tab.getByRole('button', { name: 'Send listing' }).click();

  const row = await rowOnceIt(jobId, 'submitted with a screenshot', (r) => r.status === 'submitted' && r.screenshotUrl !== null);
  expect(row).toMatchObject({ status: 'submitted', attempts: 1, reference: 'AS-0001' });
  expect(row.responseLog.map((l) => l.event)).toEqual(expect.arrayContaining(['navigated', 'step 1 filled', 'waiting for a person', 'submitting', 'accepted']));

  // Exactly one listing reached the directory, with the word the person typed.
  const received = receivedByAssisted();
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ slug: ASSISTED_SLUG, outcome: 'accepted', businessName: CUSTOMER.businessName, fields: { captcha: word } });

  // The screenshot, through the API as a client gets it: a PNG.
  const shot = await fetch(`${stack.origin}${row.screenshotUrl}`, { headers: stack.headers });
  expect(shot.status).toBe(200);
  expect(shot.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await shot.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');

  // The lease was the extension's, and it is settled; the order's ordinary directories were the fleet's, never leased.
  expect(await stack.db.dataSource.query(`SELECT directory_id AS directory, worker_kind AS kind, state FROM worker_leases WHERE job_id = $1`, [jobId])).toEqual([{ directory: ASSISTED_SLUG, kind: 'extension', state: 'settled' }]);
  await waitFor('the order to complete', async () => ((await get(`/jobs/${jobId}`)).status === 'completed' ? true : undefined), { timeoutMs: orderDeadline(ORDINARY.length + 1), intervalMs: 250 });
  const rows = (await get(`/jobs/${jobId}/results`)).items as Row[];
  expect(Object.fromEntries(rows.map((r) => [r.directoryId, r.status]))).toEqual(Object.fromEntries([ASSISTED_SLUG, ...ORDINARY].map((d) => [d, 'submitted'])));
  for (const d of ORDINARY) expect(stack.sandbox.received().filter((r) => r.slug === d).map((r) => r.outcome)).toEqual(['accepted']);
});

it('reports what the directory refused (a wrong word) and takes the submission again, in a new tab, for the person to finish', async () => {
  const before = receivedByAssisted().length;
  const jobId = await order();
  const first = await directoryTab();
  await first.getByLabel('Word').pressSequentially('NOT-THE-WORD');
  await first.getByRole('button', { name: 'Send listing' }).click();
  // Refused, and worth another try: the row goes back to the queue and the extension leases it again.
  const second = await directoryTab();
  const retried = await assistedRow(jobId);
  expect(retried).toMatchObject({ attempts: 2 });
  expect(retried.responseLog.map((l: { event: string; detail?: string }) => `${l.event}: ${l.detail ?? ''}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^refused: The CAPTCHA answer is wrong/)]));
  await second.getByLabel('Word').pressSequentially((await second.locator(ASSISTED_CHALLENGE_SELECTOR).innerText()).trim());
  await second.getByRole('button', { name: 'Send listing' }).click();
  const row = await rowOnceIt(jobId, 'submitted on the second attempt', (r) => r.status === 'submitted');
  expect(row).toMatchObject({ attempts: 2, reference: 'AS-0002' });
  expect(receivedByAssisted().slice(before).map((r) => r.outcome)).toEqual(['rejected', 'accepted']);
});

it('closes the tab and drops the submission, sending nothing, when its key is revoked while the form waits', async () => {
  const before = receivedByAssisted().length;
  const jobId = await order();
  const tab = await directoryTab();
  const closed = tab.waitForEvent('close', { timeout: DEADLINE.recovery });
  const res = await fetch(`${stack.base}/keys/${workerKey.id}`, { method: 'DELETE', headers: adminHeaders });
  expect(res.status).toBe(204);
  await closed;
  // The submission is back in the queue, for a worker whose key still holds: its attempt given back, its lease ended.
  const row = await rowOnceIt(jobId, 'given back', (r) => r.status === 'pending' && r.attempts === 0);
  expect(row.responseLog.map((l) => l.event)).toContain('given back; not counted as an attempt');
  expect(await stack.db.dataSource.query(`SELECT state FROM worker_leases WHERE job_id = $1`, [jobId])).toEqual([{ state: 'revoked' }]);
  expect(receivedByAssisted().length).toBe(before);
});
