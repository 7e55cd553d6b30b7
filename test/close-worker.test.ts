import { Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { RedisServer, startRedis } from '../harness/redis-server';
import { waitFor } from '../harness/wait';
import { closeWorker } from '../src/queue/close-worker';
import { redisOptionsFromUrl } from '../src/queue/redis-options';
import { DEADLINE } from './support/deadlines';

/**
 * closeWorker against a redis-server of the test's own: a BullMQ worker whose blocking client is
 * between two reconnect attempts when it is closed. BullMQ's own close() then waits forever for an
 * 'end' ioredis never emits (taskforcesh/bullmq#4656); closeWorker must end either way.
 */
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** A worker whose clients wait `retryMs` between reconnect attempts, already waiting for work. */
async function idleWorker(retryMs: number): Promise<Worker> {
  const worker = new Worker(`close-${randomUUID()}`, async () => 'done', {
    connection: { ...redisOptionsFromUrl(redis.url, 'worker'), retryStrategy: () => retryMs },
  });
  worker.on('error', () => undefined); // the outage is the test's own doing
  await worker.waitUntilReady();
  await waitFor('the worker to wait for work', async () => worker.isRunning());
  return worker;
}

/** The worker's blocking client, as closeWorker reads it. */
const blockingClient = (worker: Worker) => (worker as unknown as { blockingConnection: { client: Promise<{ status: string }> } }).blockingConnection.client;

/** Redis goes away until the worker's blocking client waits for its next attempt, then comes back. */
async function outage(worker: Worker): Promise<void> {
  const client = await blockingClient(worker);
  await redis.kill();
  await waitFor('the blocking client to wait for its next attempt', async () => client.status === 'reconnecting', { timeoutMs: DEADLINE.event });
  await redis.restart();
}

it('closes by force, without hanging, a worker whose blocking client is waiting to reconnect', async () => {
  // A minute between attempts: the client is still waiting for its next one when the close comes.
  const worker = await idleWorker(60_000);
  await outage(worker);
  await expect(closeWorker(worker, 500)).resolves.toBe('forced');
  expect(worker.closing).toBeDefined();
});

it('waits for Redis to come back, then closes gracefully', async () => {
  const worker = await idleWorker(300);
  const client = await blockingClient(worker);
  await redis.kill();
  await waitFor('the blocking client to wait for its next attempt', async () => client.status === 'reconnecting', { timeoutMs: DEADLINE.event });
  // Asked to close while Redis is away: it cannot choose a graceful close yet, and waits.
  const closing = closeWorker(worker, DEADLINE.event);
  let settled = false;
  void closing.finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 1000));
  expect(settled).toBe(false);
  await redis.restart();
  await expect(closing).resolves.toBe('graceful');
});

it('closes gracefully a connected worker', async () => {
  const worker = await idleWorker(300);
  await expect(closeWorker(worker, DEADLINE.event)).resolves.toBe('graceful');
});
