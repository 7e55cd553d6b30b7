import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { apiClient } from './support/http';
import { parseScrape, total } from './support/prometheus';
import { Stack, workerUrl } from './support/stack';

/**
 * A fleet of three worker processes sharing one order, one of them killed while it works on a
 * directory: the other two finish the order, and no directory is submitted twice.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({
    name: 'fleet',
    workers: 3,
    sandbox: { slowMs: 400 },
    env: {
      WORKER_CONCURRENCY: '1',
      // A dead worker's entry is taken over after about this long (one to three times it).
      QUEUE_LOCK_MS: '4000',
      SHUTDOWN_GRACE_MS: '20000',
    },
  });
});
afterAll(() => stack?.stop());

const { post, get } = apiClient(() => stack);
const positions = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `sandbox-${String(from + i).padStart(4, '0')}`);
const scrape = async (url: string) => parseScrape(await (await fetch(`${url}/metrics`)).text());

it('finishes an order across three workers after one is SIGKILLed mid-order (busy when last seen), each directory submitted once', async () => {
  const urls = stack.workers.map(workerUrl);
  for (const url of urls) await waitFor(`${url} ready`, async () => (await fetch(`${url}/health/ready`)).ok, { timeoutMs: DEADLINE.event });

  const website = 'https://fleet.example';
  const customer = await post('/customers', { ...CUSTOMER, businessName: 'Fleet test', website });
  const directories = positions(1, 30);
  const job = await post('/jobs', { customerId: customer.id, directoryIds: directories });

  // Every worker has taken work, and the victim is in the middle of a submission right now.
  const victim = await waitFor('each worker to have worked, and one to be busy', async () => {
    const seen = await Promise.all(urls.map(scrape));
    if (!seen.every((s) => total(s, 'boltline_submission_attempts_total') >= 1)) return undefined;
    const busy = seen.findIndex((s) => total(s, 'boltline_worker_slots', { state: 'busy' }) === 1);
    return busy >= 0 ? busy : undefined;
  }, { timeoutMs: DEADLINE.firstSubmission, intervalMs: 50 });
  expect(await stack.workers[victim].kill('SIGKILL')).toBe('SIGKILL');
  const survivors = urls.filter((_, i) => i !== victim);
  const before = await Promise.all(survivors.map(async (u) => total(await scrape(u), 'boltline_submission_attempts_total')));

  const done = await waitFor(`order ${job.id} to complete`, async () => {
    const current = await get(`/jobs/${job.id}`);
    return current.status === 'completed' ? current : undefined;
  }, { timeoutMs: orderDeadline(30, 2), intervalMs: 250 });
  expect(done.progress).toMatchObject({ total: 30, submitted: 30, failed: 0, needsReview: 0, pending: 0 });
  expect(done.outcome).toBe('succeeded');

  // The sandbox's own record: one listing per directory, whoever submitted it.
  const received = new Map<string, string[]>();
  for (const s of stack.sandbox.received().filter((r) => r.website === website)) received.set(s.slug, [...(received.get(s.slug) ?? []), s.outcome]);
  expect([...received.keys()].sort()).toEqual(directories);
  for (const [slug, outcomes] of received) expect([slug, outcomes]).toEqual([slug, ['accepted']]);
  // Both survivors went on working after the kill.
  const after = await Promise.all(survivors.map(async (u) => total(await scrape(u), 'boltline_submission_attempts_total')));
  for (let i = 0; i < survivors.length; i++) expect([survivors[i], after[i] > before[i]]).toEqual([survivors[i], true]);
});
