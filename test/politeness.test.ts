import { importDirectories } from '../src/directories/directory-store';
import { sandboxCatalogue } from '../src/sandbox/catalogue';
import type { FormSession } from '../src/sandbox/sandbox-server';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { orderDeadline } from './support/deadlines';
import { apiClient, fetchRetrying } from './support/http';
import { Stack } from './support/stack';

/**
 * Directory controls that hold across the fleet. Politeness: a directory limited to one submission
 * at a time gets one at a time from the whole fleet: three
 * worker processes of two slots each, six orders at once, each order including the limited
 * directory. The sandbox's record of form sessions (form page opened .. final POST answered) is the
 * ground truth. Auto-pause: a directory whose form no longer matches its adapter pauses itself
 * after DIRECTORY_PAUSE_AFTER misses in a row; its rows wait, unfailed, until staff resume it.
 */
const LIMITED = 'sandbox-0003'; // slow: its pages and POSTs answer after slowMs
const UNLIMITED = 'sandbox-0014'; // slow as well, no limits: the control
const QUICK = 'sandbox-0001';
const ORDERS = 6;

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({
    name: 'polite',
    sandbox: { slowMs: 600 },
    sandboxCatalogue: false,
    seed: async ({ db, sandbox }) => {
      const docs = sandboxCatalogue(`${sandbox.url}/`).map((d) => (d.id === LIMITED ? { ...d, adapter: { ...d.adapter, limits: { concurrent: 1 } } } : d));
      await importDirectories(db.dataSource.manager, docs, { by: 'test', disableOthers: true });
    },
    env: {
      QUEUE_LOCK_MS: '4000',
      RECONCILE_INTERVAL_MS: '5000',
      SHUTDOWN_GRACE_MS: '10000',
      LOG_LEVEL: 'warn',
      DIRECTORY_PAUSE_AFTER: '2',
    },
    key: { name: 'polite', scopes: ['admin'] },
    workers: 3,
  });
});

afterAll(() => stack?.stop());

const { post, get } = apiClient(() => stack);

/** Pairs of sessions of one directory that were open at the same time (unanswered ones never end). */
function overlaps(sessions: FormSession[]): Array<[FormSession, FormSession]> {
  const sorted = [...sessions].sort((a, b) => a.openedAt - b.openedAt);
  const pairs: Array<[FormSession, FormSession]> = [];
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++) if ((sorted[i].answeredAt ?? Infinity) > sorted[j].openedAt) pairs.push([sorted[i], sorted[j]]);
  return pairs;
}

it('never has two sessions open at a directory limited to one at a time, across three workers', async () => {
  const ids: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const website = `https://polite-${i}.example`;
    const customer = await post('/customers', { ...CUSTOMER, businessName: `Polite ${i}`, website });
    ids.push((await post('/jobs', { customerId: customer.id, directoryIds: [LIMITED, UNLIMITED, QUICK] })).id);
  }
  for (const id of ids) {
    await waitFor(`order ${id} to complete`, async () => ((await get(`/jobs/${id}`)).status === 'completed' ? true : undefined), {
      timeoutMs: orderDeadline(ORDERS * 3, 6),
      intervalMs: 250,
      describe: async () => JSON.stringify((await get(`/jobs/${id}`)).progress) + stack.workers.map((w) => w.output().slice(-1000)).join('\n'),
    });
  }
  for (const id of ids) {
    const { items } = await get(`/jobs/${id}/results`);
    expect(items.map((r: { directoryId: string; status: string }) => [r.directoryId, r.status]).sort()).toEqual([
      [QUICK, 'submitted'],
      [LIMITED, 'submitted'],
      [UNLIMITED, 'submitted'],
    ]);
  }

  const sessions = stack.sandbox.sessions();
  const limited = sessions.filter((s) => s.slug === LIMITED);
  // One visit per order, each ending in its listing.
  expect(limited.filter((s) => s.answeredAt !== undefined).map((s) => s.website).sort()).toEqual(ids.map((_, i) => `https://polite-${i}.example`));
  expect(overlaps(limited)).toEqual([]);
  // The sandbox took each listing once.
  for (const slug of [LIMITED, UNLIMITED, QUICK]) expect(stack.sandbox.received().filter((r) => r.slug === slug).map((r) => r.outcome)).toEqual(Array(ORDERS).fill('accepted'));
  // Not asserted (it depends on timing), shown for whoever reads the run: the control's overlaps.
  console.log(`politeness: ${UNLIMITED} (no limits) had ${overlaps(sessions.filter((s) => s.slug === UNLIMITED)).length} overlapping session pairs; ${LIMITED} had 0`);
});

it('pauses a directory whose form no longer matches its adapter; its rows wait, unfailed, and go on when staff resume it', async () => {
  const BROKEN = 'sandbox-0006'; // classic layout, normal behaviour
  const original = (await get(`/directories/${BROKEN}`)).adapter;
  const patch = async (adapter: unknown) => {
    const res = await fetchRetrying(`${stack.base}/directories/${BROKEN}`, { method: 'PATCH', headers: stack.headers, body: JSON.stringify({ adapter }) });
    expect(res.status).toBe(200);
    return res.json();
  };
  // "The site was redesigned": its first field is no longer where the adapter looks.
  const [first, ...rest] = original.steps[0].fields;
  // Its definition's step timeout says how long to look for a target before calling it missing.
  await patch({ ...original, timeouts: { stepMs: 3000 }, steps: [{ ...original.steps[0], fields: [{ ...first, target: { css: '#renamed-business-name' } }, ...rest] }] });

  const websites = [0, 1, 2, 3].map((i) => `https://redesign-${i}.example`);
  const ids: string[] = [];
  for (const website of websites) {
    const customer = await post('/customers', { ...CUSTOMER, businessName: `Redesign ${website}`, website });
    ids.push((await post('/jobs', { customerId: customer.id, directoryIds: [BROKEN] })).id);
  }
  const paused = await waitFor(`${BROKEN} to pause itself`, async () => {
    const d = await get(`/directories/${BROKEN}`);
    return d.pausedAt ? d : undefined;
  }, { timeoutMs: orderDeadline(4), intervalMs: 250, describe: async () => JSON.stringify(await get(`/directories/${BROKEN}`)) });
  expect(paused.pausedReason).toMatch(/2 attempts in a row found a target missing; the last waited for css #renamed-business-name/);

  // Every row waits: none failed, none reached the site, and each says why once it waited.
  const rowsOf = async () => (await Promise.all(ids.map(async (id) => (await get(`/jobs/${id}/results`)).items[0]))) as Array<{ status: string; attempts: number; responseLog: Array<{ event: string }> }>;
  await waitFor('every row to wait for the resume', async () => ((await rowsOf()).every((r) => r.responseLog.some((e) => e.event.startsWith('waiting: the directory is paused'))) ? true : undefined), {
    timeoutMs: orderDeadline(4),
    intervalMs: 500,
    describe: async () => JSON.stringify(await rowsOf()),
  });
  for (const r of await rowsOf()) expect(['pending', 'retry']).toContain(r.status);
  expect(stack.sandbox.received().filter((r) => r.slug === BROKEN)).toEqual([]);

  // Staff fix the adapter (a new revision) and resume the directory: the rows go on.
  const fixed = await patch(original);
  const resumed = await fetchRetrying(`${stack.base}/directories/${BROKEN}/resume`, { method: 'POST', headers: stack.headers });
  expect(resumed.status).toBe(200);
  for (const id of ids) {
    await waitFor(`order ${id} to complete`, async () => ((await get(`/jobs/${id}`)).status === 'completed' ? true : undefined), {
      timeoutMs: orderDeadline(4),
      intervalMs: 250,
      describe: async () => JSON.stringify(await get(`/jobs/${id}/results`)),
    });
  }
  const rows = (await Promise.all(ids.map(async (id) => (await get(`/jobs/${id}/results`)).items[0]))) as Array<{ status: string; directoryRevision: number; attempts: number }>;
  expect(rows.map((r) => [r.status, r.directoryRevision])).toEqual(ids.map(() => ['submitted', fixed.revision]));
  expect(stack.sandbox.received().filter((r) => r.slug === BROKEN).map((r) => r.website).sort()).toEqual(websites);
});
