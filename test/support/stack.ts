import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../src/auth/api-keys.service';
import { importSandboxCatalogue } from '../../src/sandbox/catalogue';
import { SandboxHandle, SandboxOptions, startSandbox } from '../../src/sandbox/sandbox-server';
import { createTestDatabase, TestDatabase } from '../../harness/database';
import { freePort, Proc, startApi, startWorker } from '../../harness/processes';
import { openSubmissionQueue, TEST_REDIS_URL, testQueuePrefix } from './queue';
import { maintenanceQueue } from './maintenance';

export interface StackOptions {
  /** Names the scratch database, the artifact directory and the default API key. */
  name: string;
  sandbox?: Omit<SandboxOptions, 'port'>;
  /** Import the sandbox's catalogue file before `seed`, as an operator would (the default); false when `seed` writes the directories. */
  sandboxCatalogue?: boolean;
  /** What the processes must find in the database when they start: directories, staff, more keys. */
  seed?(parts: { db: TestDatabase; sandbox: SandboxHandle }): Promise<unknown>;
  /** Settings on top of those every stack has (its database, Redis prefix, sandbox exemption, short waits). */
  env?: Record<string, string>;
  /** The key `headers` carry; by default jobs:read and jobs:write for an account called `name`. */
  key?: Parameters<typeof createApiKey>[1];
  /** Worker processes to start (1 by default). */
  workers?: number;
}

/**
 * Boltline as separate processes for one test file: the sandbox as the outside world, a migrated
 * scratch database, a Redis queue prefix of its own (its keys removed on stop), an API process with
 * a key for it, and workers. A start that fails half-way stops what it started, so no process is
 * left to keep jest from exiting.
 */
export class Stack {
  sandbox: SandboxHandle;
  db: TestDatabase;
  env: Record<string, string>;
  prefix: string;
  queue: ReturnType<typeof openSubmissionQueue>;
  api: Proc;
  readonly workers: Proc[] = [];
  port: number;
  /** http://127.0.0.1:port, for the dashboard and screenshot URLs. */
  origin: string;
  /** `${origin}/api/v1`: what apiClient(() => stack) calls. */
  base: string;
  token: string;
  headers: Record<string, string>;

  private constructor(private readonly opts: StackOptions) {}

  static async start(opts: StackOptions): Promise<Stack> {
    const stack = new Stack(opts);
    try {
      await stack.startAll();
    } catch (err) {
      await stack.stop().catch(() => undefined);
      throw err;
    }
    return stack;
  }

  /** The first worker: the only one in most files. */
  get worker(): Proc {
    return this.workers[0];
  }

  private async startAll(): Promise<void> {
    const { name } = this.opts;
    this.sandbox = await startSandbox({ ...this.opts.sandbox, port: 0 });
    this.db = await createTestDatabase(name);
    if (this.opts.sandboxCatalogue !== false) await importSandboxCatalogue(this.db.dataSource.manager, this.sandbox.url);
    await this.opts.seed?.({ db: this.db, sandbox: this.sandbox });
    this.prefix = testQueuePrefix();
    this.queue = openSubmissionQueue(this.prefix);
    this.env = {
      NODE_ENV: 'test',
      DATABASE_URL: this.db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: this.prefix,
      // The sandbox listens on loopback: the workers' egress proxy refuses that unless exempted.
      EGRESS_PRIVATE_ORIGINS: this.sandbox.url,
      ARTIFACT_DIR: mkdtempSync(join(tmpdir(), `boltline-${name}-`)),
      WORKER_CONCURRENCY: '2',
      SUBMIT_BACKOFF_MS: '300',
      OUTBOX_POLL_MS: '200',
      // Each worker's health and metrics on a free port, named on its start line (workerUrl).
      WORKER_HTTP_PORT: '0',
      ...this.opts.env,
    };
    const key = this.opts.key ?? { name, scopes: ['jobs:read', 'jobs:write'], account: name };
    this.token = (await createApiKey(this.db.dataSource.manager, key)).token;
    this.headers = { 'content-type': 'application/json', authorization: `Bearer ${this.token}` };
    this.port = await freePort();
    this.origin = `http://127.0.0.1:${this.port}`;
    this.base = `${this.origin}/api/v1`;
    await this.startApi();
    for (let i = 0; i < (this.opts.workers ?? 1); i++) await this.addWorker();
  }

  /** Another worker on the same settings; `workers` lists it. */
  async addWorker(): Promise<Proc> {
    const worker = await startWorker(this.env);
    this.workers.push(worker);
    return worker;
  }

  /** The API on the stack's port and settings: at start, and again after a test has killed it. */
  async startApi(): Promise<Proc> {
    this.api = await startApi(this.env, this.port);
    return this.api;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill('SIGKILL')));
    await this.api?.kill('SIGTERM');
    await this.queue?.close();
    if (this.prefix) {
      const maintenance = maintenanceQueue(this.prefix);
      await maintenance.obliterate({ force: true }).catch(() => undefined);
      await maintenance.close();
    }
    await this.db?.drop();
    await this.sandbox?.close();
  }
}

/** Where a worker of a stack serves its health and metrics, read from its start line. */
export function workerUrl(worker: Proc): string {
  const m = /health and metrics at (http:\/\/\S+)/.exec(worker.output());
  if (!m) throw new Error(`the worker's start line names no health and metrics address: ${worker.output().slice(0, 500)}`);
  return m[1];
}
