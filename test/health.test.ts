import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { ADMIN_DATABASE_URL } from '../harness/database';
import { freePort, Proc, startWorker } from '../harness/processes';
import { startRedisProxy, type RedisProxy } from '../harness/redis-proxy';
import { RedisServer, startRedis } from '../harness/redis-server';
import { waitFor } from '../harness/wait';
import { SUBMISSION_QUEUE, SUBMIT_LISTING } from '../src/queue/queue.constants';
import { ApiHarness, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { parseScrape, samples, total } from './support/prometheus';

/**
 * Liveness and readiness of the API and of a worker, against stores the test takes away: a
 * redis-server of its own (killed, frozen, started again), the test database closed to
 * connections, and a worker whose consumer's connections a relay stops answering (wedged: Redis
 * answers its other connections, work waits, and it takes none).
 */
let redis: RedisServer;
let h: ApiHarness;
const artifacts = mkdtempSync(join(tmpdir(), 'boltline-health-'));

beforeAll(async () => {
  redis = await startRedis();
  h = await startApiInProcess({ REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '3600000' });
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
  rmSync(artifacts, { recursive: true, force: true });
});

/** Asks until the answer has `status`; resolves to that answer. */
async function until<A extends { status: number }>(what: string, get: () => Promise<A>, status: number, timeoutMs: number): Promise<A> {
  let last: A | undefined;
  return waitFor(what, async () => {
    last = await get();
    return last.status === status ? last : undefined;
  }, { timeoutMs, describe: async () => JSON.stringify(last) });
}

/** Takes the test database away from every client (new connections refused, open ones ended) while `during` runs. */
async function withoutPostgres(during: () => Promise<void>): Promise<void> {
  const dba = new Client({ connectionString: ADMIN_DATABASE_URL });
  await dba.connect();
  const name = new URL(h.db.url).pathname.slice(1);
  try {
    await dba.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await dba.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
    await during();
  } finally {
    await dba.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await dba.end();
  }
}

describe('the API', () => {
  const api = (path: string) => request(h.app.getHttpServer()).get(`/api/v1/health${path}`);

  it('is alive and ready, with each check named; its first address keeps its first shape', async () => {
    expect((await api('/live').expect(200)).body).toEqual({ status: 'ok' });
    expect((await api('/ready').expect(200)).body).toEqual({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      error: {},
      details: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
    expect((await api('').expect(200)).body).toEqual({ status: 'ok', postgres: 'up', redis: 'up' });
  });

  it('is not ready while Redis is down, and ready again once it is back; alive throughout', async () => {
    await redis.kill();
    const down = await until('the API not ready', () => api('/ready'), 503, DEADLINE.event);
    expect(down.body).toMatchObject({ type: '/problems/unavailable', status: 503 });
    expect((down.body as { detail: string }).detail).toMatch(/^postgres is up, redis is down \(.+\)$/);
    await api('/live').expect(200);
    await api('').expect(503);
    await redis.restart();
    await until('the API ready again', () => api('/ready'), 200, DEADLINE.recovery);
  });

  it('answers while Redis hangs (frozen, not gone): not ready, alive, and ready again once it answers', async () => {
    redis.pause();
    try {
      const down = await until('the API not ready', () => api('/ready'), 503, DEADLINE.event);
      expect((down.body as { detail: string }).detail).toMatch(/^postgres is up, redis is down \(redis: no answer within 2000 ms\)$/);
      await api('/live').expect(200);
    } finally {
      redis.resume();
    }
    await until('the API ready again', () => api('/ready'), 200, DEADLINE.recovery);
  });

  it('is not ready while PostgreSQL refuses it, and ready again once it does not; alive throughout', async () => {
    await withoutPostgres(async () => {
      const down = await until('the API not ready', () => api('/ready'), 503, DEADLINE.event);
      expect((down.body as { detail: string }).detail).toMatch(/^postgres is down \(.+\), redis is up$/);
      await api('/live').expect(200);
    });
    await until('the API ready again', () => api('/ready'), 200, DEADLINE.recovery);
  });
});

describe('a worker, on WORKER_HTTP_PORT', () => {
  let proxy: RedisProxy;
  let worker: Proc;
  let base: string;
  const workerLog = join(artifacts, 'worker.log');
  const METRICS_TOKEN = 'metrics-token-for-the-health-test';
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { detail?: string; details?: object } };
  };

  beforeAll(async () => {
    // The worker reaches Redis through the relay, which can go silent on some of its connections.
    proxy = await startRedisProxy({ port: redis.port });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    worker = await startWorker({
      NODE_ENV: 'test',
      DATABASE_URL: h.db.url,
      REDIS_URL: proxy.url,
      QUEUE_PREFIX: process.env.QUEUE_PREFIX as string,
      ARTIFACT_DIR: artifacts,
      WORKER_CONCURRENCY: '1',
      WORKER_HTTP_PORT: String(port),
      WORKER_STALL_MS: '2000',
      SHUTDOWN_GRACE_MS: '1000',
      METRICS_TOKEN,
      LOG_FILE: workerLog,
      LOG_LEVEL: 'log',
    });
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await proxy?.close();
  });

  it('is alive and ready: PostgreSQL, Redis and its intake', async () => {
    expect(await get('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await until('the worker ready', () => get('/health/ready'), 200, DEADLINE.event);
    expect(ready.body.details).toEqual({ postgres: { status: 'up' }, redis: { status: 'up' }, intake: { status: 'up' } });
    expect(await get('/nothing')).toMatchObject({ status: 404, type: 'application/problem+json' });
  });

  it('serves its metrics with METRICS_TOKEN only', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    const all = parseScrape(await res.text());
    expect(samples(all, 'boltline_worker_slots').map((s) => [s.labels.state, s.value])).toEqual([['busy', 0], ['free', 1]]);
    expect(total(all, 'boltline_browser_contexts_open')).toBe(0);
    expect(samples(all, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });

  it('is not ready while Redis is down, and ready again once it is back', async () => {
    await redis.kill();
    const down = await until('the worker not ready', () => get('/health/ready'), 503, DEADLINE.event);
    expect(down.body.detail).toMatch(/redis is down \(/);
    expect((await get('/health/live')).status).toBe(200);
    await redis.restart();
    await until('the worker ready again', () => get('/health/ready'), 200, DEADLINE.recovery);
  });

  it('is not ready while PostgreSQL refuses it', async () => {
    await withoutPostgres(async () => {
      const down = await until('the worker not ready', () => get('/health/ready'), 503, DEADLINE.event);
      expect(down.body.detail).toMatch(/^postgres is down \(.+\), redis is up, intake is up$/);
    });
    await until('the worker ready again', () => get('/health/ready'), 200, DEADLINE.recovery);
  });

  it('turns red when its consumer is wedged (Redis answers, work waits, it takes none), and green once it takes again', async () => {
    // Both of the consumer's connections go silent, as half-open sockets would: the one it waits
    // for work on (BullMQ's, named `…:w:<worker>`) and the one it takes work with (`…:consumer`).
    // Its other connections (health, heartbeat, the watch's own look at the queue) still answer.
    proxy.silence(/:w:|:consumer$/);
    // Straight to Redis, not through the relay: the entry is there for any worker that can take it.
    const queue = new Queue(SUBMISSION_QUEUE, { prefix: process.env.QUEUE_PREFIX, connection: { host: '127.0.0.1', port: redis.port } });
    try {
      // No such row: once taken, the worker finds nothing to submit and lets the entry go.
      await queue.add(SUBMIT_LISTING, { resultId: '999999999', generation: 1, jobId: randomUUID(), directoryId: 'sandbox-0001' });
      const wedged = await until('the worker not ready', () => get('/health/ready'), 503, DEADLINE.event);
      expect(wedged.body.detail).toMatch(/^postgres is up, redis is up, intake is down \(entries have waited \d+ s with a slot of this worker free and it took none/);
      expect((await get('/health/live')).status).toBe(200);
      expect(await queue.getJobCounts('wait', 'prioritized', 'active')).toEqual({ wait: 1, prioritized: 0, active: 0 });
      // The log is written asynchronously: the line may land just after the answer.
      await waitFor('the worker to log it', async () => /not ready: postgres is up, redis is up, intake is down/.test(readFileSync(workerLog, 'utf8')), { timeoutMs: DEADLINE.event });

      // The silent sockets drop; the consumer connects again, takes the entry, and is ready.
      proxy.release();
      await waitFor('the entry taken', async () => (await queue.getJobCounts('wait', 'prioritized')).wait === 0, { timeoutMs: DEADLINE.recovery });
      await until('the worker ready again', () => get('/health/ready'), 200, DEADLINE.recovery);
    } finally {
      await queue.close();
    }
  });
});
