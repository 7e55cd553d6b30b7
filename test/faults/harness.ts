import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrashPoint } from '../../src/common/crash-point';
import { createApiKey } from '../../src/auth/api-keys.service';
import { importSandboxCatalogue } from '../../src/sandbox/catalogue';
import { behaviourOf } from '../../src/sandbox/behaviour';
import { SandboxHandle, startSandbox } from '../../src/sandbox/sandbox-server';
import { createTestDatabase, TestDatabase } from '../../harness/database';
import { freePort, Proc, startApi, startProcess, startWorker } from '../../harness/processes';
import { PostgresServer, startPostgres } from '../../harness/postgres-server';
import { RedisServer, startRedis } from '../../harness/redis-server';
import { waitFor } from '../../harness/wait';
import { CUSTOMER } from '../support/api-app';
import { fetchRetrying } from '../support/http';
import { orderDeadline } from '../support/deadlines';

/**
 * Boltline on components a test may break: its own redis-server, an API process and worker
 * processes it may SIGKILL, SIGSTOP or restart, and the sandbox as the outside world, whose
 * record of received submissions is the ground truth. Timings are short so recovery is quick.
 */
export class FaultHarness {
  sandbox: SandboxHandle;
  db: TestDatabase;
  redis: RedisServer;
  api: Proc;
  workers: Proc[] = [];
  port: number;
  /** Every HTTP answer the harness's client got, by status, for the 5xx count. */
  statuses: number[] = [];
  /** 503s with Retry-After: the promised answer while PostgreSQL is away, not a fault. */
  unavailable = 0;
  /** Orders the API acknowledged with a 2xx: each must end final. */
  acknowledged = new Set<string>();
  env: Record<string, string>;
  /** The admin API key every request of the harness's client carries. */
  key: string;

  postgres: PostgresServer;

  /**
   * Starts everything, or stops what it had started and throws: a start that failed half-way (no
   * Chromium, say) must not leave an API, a redis-server and a PostgreSQL running, which keep
   * jest from exiting.
   */
  static async start(): Promise<FaultHarness> {
    const h = new FaultHarness();
    try {
      await h.startAll();
    } catch (err) {
      await h.stop().catch(() => undefined);
      throw err;
    }
    return h;
  }

  private async startAll(): Promise<void> {
    this.sandbox = await startSandbox({ port: 0, slowMs: 300 });
    this.postgres = await startPostgres();
    this.db = await createTestDatabase('faults', this.postgres.url);
    await importSandboxCatalogue(this.db.dataSource.manager, this.sandbox.url);
    this.redis = await startRedis();
    // Admin, so scenarios may act on any order; the key matrix has its own tests.
    this.key = (await createApiKey(this.db.dataSource.manager, { name: 'faults', scopes: ['admin'] })).token;
    this.port = await freePort();
    this.env = {
      NODE_ENV: 'test',
      DATABASE_URL: this.db.url,
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: 'faults',
      // The sandbox listens on loopback: the workers' egress proxy refuses that unless exempted.
      EGRESS_PRIVATE_ORIGINS: this.sandbox.url,
      ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'boltline-faults-')),
      WORKER_CONCURRENCY: '2',
      SUBMIT_BACKOFF_MS: '200',
      SUBMIT_ATTEMPTS: '5',
      QUEUE_LOCK_MS: '3000',
      SUBMIT_LEASE_MS: '2000',
      // Well above what one submission takes on a loaded machine (a few seconds), so only the
      // pages that hang on purpose reach it, and the broken-pages scenario's counts hold.
      SUBMIT_TIMEOUT_MS: '10000',
      OUTBOX_POLL_MS: '200',
      RECONCILE_INTERVAL_MS: '2000',
      SHUTDOWN_GRACE_MS: '10000',
      LOG_LEVEL: 'warn',
      // The 1,000 concurrent POSTs of one scenario come from one key.
      RATE_LIMIT_PER_MINUTE: '1000000',
    };
    this.api = await startApi(this.env, this.port);
    // Side by side: each launches Chromium for its start-up check. Both settle before a failure is
    // thrown, so that stop() finds every worker that started.
    const started = await Promise.allSettled([this.addWorker(), this.addWorker()]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  }

  async addWorker(crashAt?: CrashPoint): Promise<Proc> {
    const w = await startWorker({ ...this.env, TEST_CRASH_AT: crashAt ?? '' });
    this.workers.push(w);
    return w;
  }

  liveWorkers(): Proc[] {
    return this.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  }

  async restartApi(crashAt?: CrashPoint): Promise<void> {
    await this.api.kill('SIGKILL');
    this.api = await startApi({ ...this.env, TEST_CRASH_AT: crashAt ?? '' }, this.port);
  }

  /** Starts an API that will SIGKILL itself in its outbox relay; resolves with how it ended. */
  async crashApiInRelay(): Promise<number | string> {
    await this.api.kill('SIGKILL');
    this.api = startProcess('main', { ...this.env, PORT: String(this.port), TEST_CRASH_AT: 'relay.after-add' });
    return this.api.exited;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await this.raw(method, path, body === undefined ? undefined : JSON.stringify(body), headers);
    return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined };
  }

  /** A request with the body sent exactly as given (JSON content type unless told otherwise). */
  async raw(method: string, path: string, body?: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}`, ...headers },
      body,
    });
    this.statuses.push(res.status);
    if (res.status === 503 && res.headers.get('retry-after')) this.unavailable++;
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  }

  /**
   * A customer and an order over `count` quick directories from `from` on; returns the order id.
   * Retried as a client would on a 503 with Retry-After (fetchRetrying): scenarios that cause
   * outages on purpose use `request` and count those answers themselves.
   */
  async order(website: string, from: number, count: number, headers: Record<string, string> = {}): Promise<string> {
    const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
      const res = await fetchRetrying(`http://127.0.0.1:${this.port}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}`, ...extra },
        body: JSON.stringify(body),
      });
      this.statuses.push(res.status);
      return { status: res.status, body: await res.json() };
    };
    const customer = await post('/customers', { ...CUSTOMER, businessName: `Faults ${website}`, website });
    const job = await post('/jobs', { customerId: customer.body.id, directoryIds: quickDirectories(from, count) }, headers);
    if (job.status >= 300) throw new Error(`POST /jobs answered ${job.status}: ${JSON.stringify(job.body)}`);
    this.acknowledged.add(job.body.id);
    return job.body.id;
  }

  async job(id: string) {
    const [row] = await this.db.dataSource.query(`SELECT status, submitted, failed, needs_review, total FROM jobs WHERE id = $1`, [id]);
    return row as { status: string; submitted: number; failed: number; needs_review: number; total: number };
  }

  /**
   * Until every order in `ids` is completed or cancelled. The deadline follows their size: the
   * workers may be down to one (2 slots) while a scenario replaces them.
   */
  async untilFinal(ids: string[], timeoutMs?: number): Promise<void> {
    const [{ total }] = await this.db.dataSource.query(`SELECT coalesce(sum(total), 0)::int AS total FROM jobs WHERE id = ANY($1)`, [ids]);
    await waitFor(`orders ${ids.join(', ')} to finish`, async () => {
      const rows: Array<{ status: string }> = await this.db.dataSource.query(`SELECT status FROM jobs WHERE id = ANY($1)`, [ids]);
      return rows.every((r) => r.status === 'completed' || r.status === 'cancelled');
    }, {
      timeoutMs: timeoutMs ?? orderDeadline(total),
      intervalMs: 250,
      describe: async () => JSON.stringify(await this.db.dataSource.query(`SELECT id, status, submitted, failed, total FROM jobs WHERE id = ANY($1)`, [ids])),
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill('SIGKILL')));
    await this.api?.kill('SIGKILL');
    await this.redis?.stop();
    await this.db?.drop().catch(() => undefined);
    this.postgres?.destroy();
    await this.sandbox?.close();
  }
}

/** `count` directories from position `from` on that answer quickly and accept listings. */
export function quickDirectories(from: number, count: number): string[] {
  const ids: string[] = [];
  for (let p = from; ids.length < count; p++) {
    if (behaviourOf(p) === 'normal' || behaviourOf(p) === 'flaky') ids.push(`sandbox-${String(p).padStart(4, '0')}`);
  }
  return ids;
}
