import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createApiKey } from '../src/auth/api-keys.service';
import { CUSTOMER_FIELDS } from '../src/customers/customer-fields';
import { importSandboxCatalogue, sandboxSlug, SANDBOX_DIRECTORY_COUNT } from '../src/sandbox/catalogue';
import { behaviourOf } from '../src/sandbox/behaviour';
import { loadConfig } from '../src/config/config.schema';
import { redisOptionsFromUrl } from '../src/queue/redis-options';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { descendants, freePort, type Proc, startApi, startProcess, startWorker } from '../harness/processes';
import { waitFor } from '../harness/wait';

/** How many times each figure is measured (medians and min–max of these). */
export const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

/**
 * The sandbox as a process of its own, like a directory's site is: its work then never shares an
 * event loop with what is measured (the raw loops run in the bench's own process).
 */
export async function startSandboxProcess(): Promise<{ url: string; proc: Proc }> {
  const port = await freePort();
  const proc = startProcess('sandbox/main', {}, { args: ['--port', String(port)] });
  try {
    await waitFor('the sandbox to listen', async () => {
      if (proc.child.exitCode !== null) throw new Error(`sandbox exited: ${proc.output()}`);
      return /sandbox listening/.test(proc.output());
    }, { timeoutMs: 30_000 });
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, proc };
}

/** How long a process gets to end after SIGTERM before it is killed: a bench must never hang on one. */
const STOP_GRACE_MS = 30_000;

/** SIGTERM, then SIGKILL if it is still there after {@link STOP_GRACE_MS}. */
export async function stopProcess(proc: Proc): Promise<void> {
  const ended = proc.kill('SIGTERM');
  const late = setTimeout(() => void proc.kill('SIGKILL'), STOP_GRACE_MS);
  await ended;
  clearTimeout(late);
}

/**
 * Starts `n` processes at once, all or none: when one fails to start, those that did are stopped
 * before the error is thrown, so no process outlives a bench that failed.
 */
export async function startAll(n: number, start: () => Promise<Proc>): Promise<Proc[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, start));
  const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map(stopProcess));
    throw failed.reason;
  }
  return started;
}

/**
 * The sandbox directories that behave (neither slow, flaky nor always listed), every layout among
 * them: the forms every browser figure is measured on, so that each is held against a ceiling
 * that did the same work.
 */
export function wellBehavedDirectories(n: number): string[] {
  const ids: string[] = [];
  for (let p = 1; p <= SANDBOX_DIRECTORY_COUNT && ids.length < n; p++) if (behaviourOf(p) === 'normal') ids.push(sandboxSlug(p));
  return ids;
}

let websites = 0;
/** A customer no sandbox directory has seen: each run submits listings that are new everywhere. */
export function benchCustomer(): Record<string, string> {
  const website = `https://bench-${process.pid}-${Date.now()}-${++websites}.example`;
  const customer: Record<string, string> = {
    businessName: 'Bench Bakery', email: 'bench@bakery.example', phone: '+1 512 555 0100', website,
    address: '1 Bench Road', city: 'Austin', state: 'TX', zip: '78701', country: 'US', category: 'Restaurant',
    description: 'A bakery that exists to be benchmarked.',
  };
  for (const f of CUSTOMER_FIELDS) if (!(f in customer)) throw new Error(`benchCustomer lacks ${f}`);
  return customer;
}

/**
 * The whole machine's busy CPU time (all cores, every process: browsers, PostgreSQL, Redis, the
 * sandbox) from /proc/stat, in seconds. On a quiet machine the difference over a run is what
 * the run cost, whichever process spent it; processes that came and went (renderers) included.
 */
export function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
  return busy / 100; // USER_HZ is 100 on Linux
}

/** Proportional memory (PSS) of a process and its descendants, Chromium's included, in MiB. */
export function treePssMiB(pid: number): number {
  return pssMiB([pid, ...descendants(pid)]);
}

/** Proportional memory (PSS) of these processes, in MiB. */
export function pssMiB(pids: number[]): number {
  let kib = 0;
  for (const p of pids) {
    try {
      kib += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return kib / 1024;
}

/** Samples `sample` every `ms` until stopped; resolves to the peak. */
export function peakOf(sample: () => number, ms = 250): { stop(): number } {
  let peak = 0;
  const t = setInterval(() => (peak = Math.max(peak, sample())), ms);
  return { stop: () => (clearInterval(t), (peak = Math.max(peak, sample())), peak) };
}

/**
 * Deletes every Redis key under a bench's QUEUE_PREFIX (queues, finished entries kept for a day,
 * directory turns): a bench run would otherwise leave tens of thousands in the developer's Redis.
 */
export async function forgetQueuePrefix(prefix: string): Promise<void> {
  const redis = new Redis({ ...redisOptionsFromUrl(process.env.REDIS_URL ?? loadConfig().REDIS_URL, 'producer'), lazyConnect: true });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

export interface BenchStack {
  db: TestDatabase;
  api: Proc;
  workers: Proc[];
  env: Record<string, string>;
  base: string;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<any>;
  get(path: string): Promise<any>;
  /** Creates a customer and an approved order for `directoryIds`; resolves once the order completed, with the seconds from approval. */
  order(directoryIds: string[], opts?: { timeoutMs?: number }): Promise<{ id: string; seconds: number }>;
  startWorkers(n: number, env?: Record<string, string>): Promise<void>;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/** What a stack starts before its workers: the catalogue, a key, and the API with its settings. */
async function startParts(db: TestDatabase, sandboxUrl: string, artifacts: string, env: Record<string, string>) {
  await importSandboxCatalogue(db.dataSource.manager, sandboxUrl);
  const { token } = await createApiKey(db.dataSource.manager, { name: 'bench', scopes: ['jobs:read', 'jobs:write'], account: 'bench' });
  const port = await freePort();
  const fullEnv: Record<string, string> = {
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `bench-${process.pid}-${Date.now()}`,
    // The sandbox listens on loopback: the workers' egress proxy refuses that unless exempted.
    EGRESS_PRIVATE_ORIGINS: sandboxUrl,
    REQUIRE_APPROVAL: 'true',
    ARTIFACT_DIR: artifacts,
    LOG_LEVEL: 'warn',
    // Orders well past the default limits: the bench measures throughput, not the rate limiter.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  };
  const api = await startApi(fullEnv, port);
  return { api, port, fullEnv, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } };
}

/**
 * Boltline as its processes, for one section of the bench: a migrated scratch database with the
 * sandbox's catalogue, an API, and workers started on demand, on a queue prefix of its own.
 */
export async function startBenchStack(sandboxUrl: string, env: Record<string, string> = {}): Promise<BenchStack> {
  const db = await createTestDatabase('bench');
  const artifacts = mkdtempSync(join(tmpdir(), 'boltline-bench-'));
  let started: Awaited<ReturnType<typeof startParts>>;
  try {
    started = await startParts(db, sandboxUrl, artifacts, env);
  } catch (err) {
    await db.drop();
    rmSync(artifacts, { recursive: true, force: true });
    throw err;
  }
  const { api, port, fullEnv, headers } = started;
  const base = `http://127.0.0.1:${port}/api/v1`;
  const workers: Proc[] = [];
  const post = async (path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body ?? {}) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const stack: BenchStack = {
    db, api, workers, env: fullEnv, base, post, get,
    async order(directoryIds, opts = {}) {
      const customer = await post('/customers', benchCustomer());
      const job = await post('/jobs', { customerId: customer.id, directoryIds, priority: 1 });
      const started = performance.now();
      await post(`/jobs/${job.id}/approve`);
      const done = await waitFor(`bench order ${job.id} to complete`, async () => {
        const j = await get(`/jobs/${job.id}`);
        return ['completed', 'cancelled'].includes(j.status) ? j : undefined;
      }, { timeoutMs: opts.timeoutMs ?? 30 * 60_000, intervalMs: 250 });
      const seconds = (performance.now() - started) / 1000;
      if (done.progress.submitted !== directoryIds.length) {
        throw new Error(`bench order ${job.id}: ${done.progress.submitted}/${directoryIds.length} submitted (${JSON.stringify(done.progress)}); a figure over failed rows would mean nothing`);
      }
      return { id: job.id, seconds };
    },
    async startWorkers(n, extra = {}) {
      workers.push(...(await startAll(n, () => startWorker({ ...fullEnv, ...extra }))));
    },
    async stopWorkers() {
      await Promise.all(workers.splice(0).map(stopProcess));
    },
    async stop() {
      // Each part goes whatever happened to the one before.
      await stack.stopWorkers().catch(() => undefined);
      await stopProcess(api).catch(() => undefined);
      await forgetQueuePrefix(fullEnv.QUEUE_PREFIX).catch(() => undefined);
      rmSync(artifacts, { recursive: true, force: true });
      await db.drop();
    },
  };
  return stack;
}
