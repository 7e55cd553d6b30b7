import { Job, Worker } from 'bullmq';
import { waitFor } from '../harness/wait';
import { keepPlaceOnRetry, toFrontWhenDue } from '../src/workers/queue-place';
import { DEADLINE } from './support/deadlines';
import { openSubmissionQueue, TEST_REDIS_URL, testQueuePrefix } from './support/queue';

/**
 * An entry that had its turn keeps its place: once its backoff or delay is over it is at the front
 * of its priority, not behind everything queued since (src/workers/queue-verdict.ts). Against a
 * real Redis and BullMQ worker; who runs when is forced by holding each job until the test lets it
 * go, so nothing here depends on how fast anything is.
 */
const prefix = testQueuePrefix();
const { queue, close } = openSubmissionQueue(prefix);
const u = new URL(TEST_REDIS_URL);
const connection = { host: u.hostname, port: Number(u.port || 6379) };
let worker: Worker | undefined;
const releases = new Map<string, () => void>();

afterEach(async () => {
  for (const release of releases.values()) release();
  await worker?.close();
  await queue.obliterate({ force: true });
});
afterAll(() => close());

const prioritized = async () => (await queue.getPrioritized()).map((j) => j.name);
const order = async () => `waiting in this order: ${await prioritized()}; ${JSON.stringify(await queue.getJobCounts())}`;

/**
 * A worker taking one job at a time: the first attempt of a job named in `failing` throws at once,
 * any other job runs until the test releases it. Only `keeps` is given its place back on retry.
 */
function holdingWorker(failing: string[], keeps: string): { started: string[]; dueAt: Map<string, number> } {
  const started: string[] = [];
  const dueAt = new Map<string, number>();
  worker = new Worker(
    queue.name,
    async (job: Job) => {
      started.push(job.name);
      if (failing.includes(job.name) && job.attemptsMade === 0) throw new Error('the first attempt fails');
      await new Promise<void>((r) => releases.set(job.name, r));
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job) => {
    if (!job) return;
    dueAt.set(job.name, Date.now() + job.delay);
    if (job.name === keeps) void keepPlaceOnRetry(queue, job);
  });
  return { started, dueAt };
}

it('a retry is due at the front of its priority, not behind the entries queued after it', async () => {
  const retried = { priority: 2, attempts: 2, backoff: { type: 'fixed', delay: 200 } };
  await queue.add('kept', {}, retried);
  await queue.add('left', {}, retried);
  for (const name of ['b1', 'b2', 'b3']) await queue.add(name, {}, { priority: 2 });
  const { started, dueAt } = holdingWorker(['kept', 'left'], 'kept');

  // Both first attempts failed and b1 holds the only slot: nobody moves the retries out of the
  // delayed set until b1 ends, and b1 ends only once both are due.
  await waitFor('b1 to start after the failed attempts', async () => releases.has('b1'), { timeoutMs: DEADLINE.event });
  await waitFor('both retries to be due', async () => dueAt.size === 2 && Date.now() > Math.max(...dueAt.values()) + 50, { timeoutMs: DEADLINE.event, intervalMs: 20 });
  expect((await queue.getDelayed()).map((j) => j.name).sort()).toEqual(['kept', 'left']);
  releases.get('b1')!();

  // Finishing b1, BullMQ puts both retries behind b3 and starts b2. Only the one asked for goes to the front.
  await waitFor('b2 to start', async () => releases.has('b2'), { timeoutMs: DEADLINE.event });
  await waitFor('the kept retry ahead of b3, the other behind it', async () => (await prioritized()).join() === 'kept,b3,left', { timeoutMs: DEADLINE.event, describe: order });
  releases.get('b2')!();
  await waitFor('the kept retry to start', async () => started.length === 5, { timeoutMs: DEADLINE.event });
  expect(started).toEqual(['kept', 'left', 'b1', 'b2', 'kept']);
});

it('a look for a delay the entry no longer has leaves it where BullMQ put it', async () => {
  await queue.add('hold', {}, { priority: 1 });
  for (const name of ['b1', 'b2']) await queue.add(name, {}, { priority: 2 });
  const due = Date.now() + 200;
  const kept = await queue.add('kept', { frontAt: due }, { priority: 2, delay: 200 });
  // Delayed again since the look below was set up: its data carries another due time, or none.
  const stale = await queue.add('stale', {}, { priority: 2, delay: 200 });
  toFrontWhenDue(queue, kept.id!, due);
  toFrontWhenDue(queue, stale.id!, due);
  holdingWorker([], '');
  await waitFor('hold to start', async () => releases.has('hold'), { timeoutMs: DEADLINE.event });
  await waitFor('both delays to pass', async () => Date.now() > due + 50, { timeoutMs: DEADLINE.event, intervalMs: 20 });
  releases.get('hold')!();
  // Finishing hold, BullMQ puts both behind b2 and starts b1; only the entry whose delay it is goes to the front.
  await waitFor('b1 to start', async () => releases.has('b1'), { timeoutMs: DEADLINE.event });
  await waitFor('kept ahead of b2, stale behind it', async () => (await prioritized()).join() === 'kept,b2,stale', { timeoutMs: DEADLINE.event, describe: order });
});
