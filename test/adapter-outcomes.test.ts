import { importOutcomesCatalogue, OUTCOMES_FEATURES } from '../src/sandbox/features/outcomes';
import { CUSTOMER } from './support/api-app';
import { apiClient } from './support/http';
import { Stack } from './support/stack';
import { waitFor } from '../harness/wait';
import { orderDeadline } from './support/deadlines';

/**
 * The adapter language's outcome rules through the real pipeline (API and worker processes,
 * PostgreSQL, Redis, Chromium): one order over the sandbox's /f/outcomes directories, each of which
 * answers its final POST differently (src/sandbox/features/outcomes.ts).
 */
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({
    name: 'outcomes',
    sandbox: { slowMs: 0 },
    seed: ({ db, sandbox }) => importOutcomesCatalogue(db.dataSource.manager, sandbox.url),
  });
});

afterAll(() => stack?.stop());

const { post, get } = apiClient(() => stack);

interface Row {
  directoryId: string;
  status: string;
  attempts: number;
  reference: string | null;
  errorMessage: string | null;
  responseLog: Array<{ event: string; detail?: string }>;
}

it('reads each outcome rule, keeps references, verifies by search page and honours serverErrorMeans and Retry-After', async () => {
  const ids = OUTCOMES_FEATURES.map((f) => `outcomes-${f}`);
  const customer = await post('/customers', { ...CUSTOMER, businessName: 'Outcomes & Sons', website: 'https://outcomes.example' });
  const job = await post('/jobs', { customerId: customer.id, directoryIds: ids });
  await waitFor(`job ${job.id} to complete`, async () => ((await get(`/jobs/${job.id}`)).status === 'completed' ? true : undefined), {
    timeoutMs: orderDeadline(ids.length),
    intervalMs: 250,
    describe: async () => JSON.stringify((await get(`/jobs/${job.id}/results`)).items?.map((r: Row) => [r.directoryId, r.status])) + stack.worker.output().slice(-2000),
  });

  const rows = new Map<string, Row>(((await get(`/jobs/${job.id}/results`)).items as Row[]).map((r) => [r.directoryId, r]));
  const log = (id: string) => rows.get(id)!.responseLog.map((e) => `${e.event}${e.detail ? `: ${e.detail}` : ''}`).join('\n');
  const received = (id: string) => stack.sandbox.received().filter((s) => s.slug === id).map((s) => [s.outcome, s.businessName]);
  const once = [['accepted', 'Outcomes & Sons']];

  // Every directory ends submitted, having received the listing exactly once.
  expect(ids.map((id) => [id, rows.get(id)?.status])).toEqual(ids.map((id) => [id, 'submitted']));
  for (const id of ids) expect([id, received(id)]).toEqual([id, once]);

  // Two pages (step waitFor), text success, reference from the text.
  expect(rows.get('outcomes-reference')!.reference).toMatch(/^OR-\d+$/);
  expect(log('outcomes-reference')).toContain('accepted: Thank you! Your reference number is');
  // URL-only success, reference from the URL.
  expect(rows.get('outcomes-url')!.reference).toMatch(/^OR-\d+$/);
  expect(log('outcomes-url')).toMatch(/accepted: http:\/\/127\.0\.0\.1:\d+\/f\/outcomes\/outcomes-url\/thanks\?id=OR-\d+ \(HTTP 200\)/);
  // Text-only success; no capture, no reference.
  expect(rows.get('outcomes-text')).toMatchObject({ reference: null, errorMessage: null });
  expect(log('outcomes-text')).toContain('accepted: Your listing has been received, Outcomes & Sons.');
  // A 500 that records nothing, as the definition says: a plain retry, no verification.
  expect(rows.get('outcomes-server-error')!.attempts).toBeGreaterThanOrEqual(2);
  expect(log('outcomes-server-error')).toContain('the directory records nothing on a server error');
  expect(log('outcomes-server-error')).not.toContain('verified after an interrupted attempt');
  // A 500 after the listing was taken: the next attempt asks the search page, which finds it.
  expect(log('outcomes-search')).toContain('verified after an interrupted attempt: listed: true');
  // A 500 before it was taken: the search page does not find it, so the next attempt submits.
  expect(log('outcomes-search-miss')).toContain('verified after an interrupted attempt: listed: false');
  // 429 with Retry-After on the form page: delayed and tried again, not failed.
  expect(log('outcomes-busy')).toContain('asked to come back later: form page answered HTTP 429 (Retry-After 1 s); again after');
});
