import { createTestDatabase, TestDatabase } from '../harness/database';
import { startProcess } from '../harness/processes';
import { RedisServer, startRedis } from '../harness/redis-server';

let db: TestDatabase;
let redis: RedisServer;
beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startRedis(['--maxmemory-policy', 'allkeys-lru']);
});
afterAll(async () => {
  await redis?.stop();
  await db?.drop();
});

it.each(['main', 'worker'] as const)('%s refuses to start on a Redis that may evict jobs, saying how to fix it', async (entry) => {
  const proc = startProcess(entry, { DATABASE_URL: db.url, REDIS_URL: redis.url, PORT: '0' });
  expect(await proc.exited).toBe(1);
  expect(proc.output()).toMatch(/maxmemory-policy is allkeys-lru; Boltline needs noeviction.*CONFIG SET maxmemory-policy noeviction/);
});
