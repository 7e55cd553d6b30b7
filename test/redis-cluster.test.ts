import { Redis } from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from '../harness/redis-cluster';
import { TEST_REDIS_URL } from '../harness/redis-server';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { apiClient } from './support/http';
import { Stack } from './support/stack';

/**
 * Boltline on a Redis Cluster of its own (three masters, a replica each, on loopback): an order
 * runs through it, and goes on through a failover of the master that holds the deployment's slot.
 */
let cluster: RedisClusterHandle;
let stack: Stack;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  stack = await Stack.start({
    name: 'cluster',
    workers: 2,
    sandbox: { slowMs: 400 },
    env: {
      REDIS_CLUSTER_NODES: cluster.seeds,
      QUEUE_LOCK_MS: '4000',
      // Whatever the failover took from Redis, the reconciler puts back from PostgreSQL.
      RECONCILE_INTERVAL_MS: '5000',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
});

const { post, get } = apiClient(() => stack);
const positions = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `sandbox-${String(from + i).padStart(4, '0')}`);

it("runs an order through the cluster and through a failover of its slot's master, losing no row and submitting none twice", async () => {
  // Every key of the deployment carries the prefix as a hash tag: one slot, one master at a time.
  const slotKey = `{${stack.prefix}}:any`;
  const master = await cluster.masterOf(slotKey);

  const website = 'https://cluster.example';
  const customer = await post('/customers', { ...CUSTOMER, businessName: 'Cluster test', website });
  const directories = positions(21, 44);
  const job = await post('/jobs', { customerId: customer.id, directoryIds: directories });
  await waitFor('a few submissions before the failover', async () => (await get(`/jobs/${job.id}`)).progress.submitted >= 4, { timeoutMs: DEADLINE.firstSubmission });

  await cluster.kill(master);
  const promoted = await cluster.untilServed(slotKey, master);
  expect(promoted).not.toBe(master);

  const done = await waitFor(`order ${job.id} to complete`, async () => {
    const current = await get(`/jobs/${job.id}`);
    return current.status === 'completed' ? current : undefined;
  }, { timeoutMs: orderDeadline(directories.length, 4) + DEADLINE.recovery, intervalMs: 250, describe: async () => JSON.stringify((await get(`/jobs/${job.id}`)).progress) });
  expect(done.progress).toMatchObject({ total: 24, submitted: 24, failed: 0, needsReview: 0, pending: 0 });

  const received = new Map<string, string[]>();
  for (const s of stack.sandbox.received().filter((r) => r.website === website)) received.set(s.slug, [...(received.get(s.slug) ?? []), s.outcome]);
  expect([...received.keys()].sort()).toEqual(directories);
  for (const [slug, outcomes] of received) expect([slug, outcomes]).toEqual([slug, ['accepted']]);

  // It was the cluster that carried the queue: the promoted master holds the deployment's keys,
  // and the Redis the other tests share holds none of them.
  const onCluster = new Redis({ port: promoted, host: '127.0.0.1' });
  const shared = new Redis(TEST_REDIS_URL);
  try {
    expect(await onCluster.keys(`{${stack.prefix}}:submissions:*`)).toEqual(expect.arrayContaining([`{${stack.prefix}}:submissions:meta`]));
    expect(await shared.keys(`{${stack.prefix}}*`)).toEqual([]);
  } finally {
    onCluster.disconnect();
    shared.disconnect();
  }
});
