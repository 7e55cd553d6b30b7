import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import request from 'supertest';
import { submissionJobId } from '../src/queue/queue.constants';
import { SandboxHandle, startSandbox } from '../src/sandbox/sandbox-server';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config/config.schema';
import { checkBrowser, hostFacts } from '../src/engine/browser-check';
import { disabledFeaturesOf, launchOptions, UNNEEDED_FEATURES } from '../src/engine/launch';
import { descendants, freePort, Proc, startProcess, startWorker } from '../harness/processes';
import { PROJECT_ROOT } from '../harness/root';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';

/** Folders a test made, removed when the file is done. */
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * The worker's browser, on the real components: worker processes, Chromium, PostgreSQL, Redis and
 * the sandbox directories. A worker checks its Chromium before it takes work; a browser that
 * fails under a submission is the worker's fault (the directory is not charged an attempt), and
 * a worker whose browser keeps failing stops; Chromium runs with its sandbox where the machine
 * allows, and the mode a worker reports is the one its Chromium processes are in.
 *
 * Every directory is reached through a gate in this process, in front of the sandbox: a test arms
 * it for one directory, and the first request for that directory's form runs the test's hook
 * while the page waits for it, so "during a submission" is an event, not a moment in time.
 */
let sandbox: SandboxHandle;
let gate: Gate;
let h: ApiHarness;
let http: ReturnType<typeof request.agent>;
let env: Record<string, string>;
const workers: Proc[] = [];
const REAL_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Gate {
  url: string;
  /** The next `method` request for `slug`'s pages runs `hook` first; then it is forwarded, or left hanging. */
  arm(slug: string, method: 'GET' | 'POST', hook: () => void | Promise<void>, then: 'forward' | 'hang'): void;
  close(): Promise<void>;
}

async function startGate(target: SandboxHandle): Promise<Gate> {
  const armed = new Map<string, { method: string; hook: () => void | Promise<void>; then: 'forward' | 'hang' }>();
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = httpRequest({ host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const server = createServer((req, res) => {
    const slug = /^\/d\/([^/]+)\//.exec(req.url ?? '')?.[1];
    const trap = slug ? armed.get(slug) : undefined;
    if (!slug || !trap || trap.method !== req.method) return forward(req, res);
    armed.delete(slug);
    void Promise.resolve(trap.hook()).then(() => (trap.then === 'forward' ? forward(req, res) : undefined));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: (slug, method, hook, then) => armed.set(slug, { method, hook, then }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  gate = await startGate(sandbox);
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000' }, gate.url);
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  const artifacts = mkdtempSync(join(tmpdir(), 'boltline-browser-'));
  chmodSync(artifacts, 0o777); // the unprivileged worker below writes its screenshots here too
  env = {
    NODE_ENV: 'test',
    DATABASE_URL: h.db.url,
    QUEUE_PREFIX: process.env.QUEUE_PREFIX as string,
    // The directories are the gate's, on loopback: the workers' egress proxy refuses that unless exempted.
    EGRESS_PRIVATE_ORIGINS: gate.url,
    ARTIFACT_DIR: artifacts,
    WORKER_CONCURRENCY: '1',
    SUBMIT_BACKOFF_MS: '300',
    QUEUE_LOCK_MS: '4000',
    SHUTDOWN_GRACE_MS: '20000',
    CHROMIUM_PATH: REAL_CHROMIUM,
    // Not the in-process API's log file (which `nobody` may not write): the workers log to their
    // output, which startProcess keeps for the run's log scan.
    LOG_FILE: '',
  };
});

// No worker outlives its test: a test that failed must not leave one taking the next test's work.
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
});

afterAll(async () => {
  await h?.close();
  await gate?.close();
  await sandbox?.close();
});

/** An order for one directory; resolves once its queue entry is in Redis. */
async function order(directoryId: string) {
  const website = `https://${directoryId}-${Date.now()}.example`;
  const customer = (await http.post('/api/v1/customers').send({ ...CUSTOMER, website }).expect(201)).body;
  const job = (await http.post('/api/v1/jobs').send({ customerId: customer.id, directoryIds: [directoryId] }).expect(201)).body;
  const [r] = await h.db.dataSource.query(`SELECT id, generation FROM job_results WHERE job_id = $1`, [job.id]);
  const entryId = submissionJobId(r.id, r.generation);
  await waitFor(`${directoryId}'s queue entry`, async () => (await h.queue.queue.getJob(entryId)) ?? false, { timeoutMs: DEADLINE.event });
  return { jobId: job.id as string, resultId: r.id as string, entryId, website };
}

async function row(resultId: string): Promise<{ status: string; attempts: number; response_log: Array<{ event: string; detail?: string }> }> {
  const [r] = await h.db.dataSource.query(`SELECT status, attempts, response_log FROM job_results WHERE id = $1`, [resultId]);
  return r;
}

async function untilSubmitted(resultId: string, why: () => string) {
  await waitFor(`result ${resultId} to be submitted`, async () => (await row(resultId)).status === 'submitted', {
    timeoutMs: DEADLINE.firstSubmission,
    describe: async () => `${JSON.stringify(await row(resultId))}\n${why()}`,
  });
}

/** Until the process ends; its exit code. */
async function exitOf(proc: Proc, timeoutMs: number): Promise<number | string> {
  let code: number | string | undefined;
  void proc.exited.then((c) => (code = c));
  return waitFor('the worker to exit', async () => code ?? false, { timeoutMs, describe: async () => proc.output().slice(-3000) });
}

interface ChromiumProcess {
  pid: number;
  type: string;
  seccomp: string;
  userNamespace: string;
  noSandboxFlag: boolean;
  /** A renderer of the browser's own UI (chrome://*.top-chrome/ pages), not of a page. */
  browserUi: boolean;
  /** What its last --disable-features switch disables, if it has one. */
  disabledFeatures?: string[];
}

/** The Chromium processes under a worker, as the kernel sees them right now. */
function chromiumUnder(workerPid: number): ChromiumProcess[] {
  const found: ChromiumProcess[] = [];
  for (const pid of descendants(workerPid)) {
    try {
      // Chromium's children rewrite their command line as one string with spaces between the words.
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]+/);
      // The browser and its children; not the crash handler, nor anything else with "chrom" in its name.
      if (!['chromium', 'chrome'].includes(basename(argv[0]))) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      found.push({
        pid,
        type: argv.find((a) => a.startsWith('--type='))?.slice('--type='.length) ?? 'browser',
        seccomp: /^Seccomp:\s+(\d)/m.exec(status)?.[1] ?? '?',
        userNamespace: readlinkSync(`/proc/${pid}/ns/user`),
        noSandboxFlag: argv.includes('--no-sandbox'),
        browserUi: argv.includes('--top-chrome-webui'),
        disabledFeatures: disabledFeaturesOf(argv.join(' ')),
      });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** The first test's order: no worker could take it there; the ones after do. */
let waitingBefore: Awaited<ReturnType<typeof order>>;

describe('a worker checks its browser before it takes work', () => {
  it('exits non-zero, saying how to fix it, when there is no Chromium at CHROMIUM_PATH, and takes no job', async () => {
    waitingBefore = await order('sandbox-0001');
    const worker = startProcess('worker', { ...env, CHROMIUM_PATH: '/nonexistent/chromium' });
    workers.push(worker);
    expect(await exitOf(worker, DEADLINE.recovery)).toBe(1);
    expect(worker.output()).toContain('Chromium not found: there is no file at CHROMIUM_PATH=/nonexistent/chromium');
    expect(worker.output()).toContain('apt-get install -y chromium');
    expect(worker.output()).not.toMatch(/worker \d+ started/);
    // The entry was waiting before the worker started, and still is, untouched.
    const entry = await h.queue.queue.getJob(waitingBefore.entryId);
    expect([await entry?.getState(), entry?.attemptsStarted, entry?.attemptsMade]).toEqual([expect.stringMatching(/^(prioritized|waiting)$/), 0, 0]);
    expect(await row(waitingBefore.resultId)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('refuses to run Chromium without its sandbox in production, saying what it needs', async () => {
    // As root (the tests' user), where Chromium has no sandbox; EGRESS_PRIVATE_ORIGINS is refused in production.
    const worker = startProcess('worker', { ...env, NODE_ENV: 'production', EGRESS_PRIVATE_ORIGINS: '' });
    workers.push(worker);
    expect(await exitOf(worker, DEADLINE.recovery)).toBe(1);
    expect(worker.output()).toMatch(/Chromium would run without its sandbox \(the worker runs as root[\s\S]*NODE_ENV=production refuses that/);
    expect(worker.output()).toContain('CHROMIUM_ALLOW_UNSANDBOXED=true');
    expect(await row(waitingBefore.resultId)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

describe('a browser that fails is the worker\'s fault, not the directory\'s', () => {
  it('stops a worker whose browser fails BROWSER_FAILURES_BEFORE_EXIT times in a row, charging no directory; a healthy worker then does the rows', async () => {
    // Starts once (the worker's start-up check), then never again: every submission's launch fails.
    const dir = mkdtempSync(join(tmpdir(), 'boltline-broken-chromium-'));
    const broken = join(dir, 'chromium');
    writeFileSync(broken, `#!/bin/sh\nif mkdir "${dir}/launched" 2>/dev/null; then exec "${REAL_CHROMIUM}" "$@"; fi\necho "this Chromium is broken on purpose" >&2\nexit 1\n`);
    chmodSync(broken, 0o755);
    const mine = await order('sandbox-0004');

    const worker = await startWorker({ ...env, CHROMIUM_PATH: broken, BROWSER_FAILURES_BEFORE_EXIT: '3' });
    workers.push(worker);
    expect(await exitOf(worker, DEADLINE.firstSubmission)).toBe(1);
    expect(worker.output()).toMatch(/stopping: Chromium failed 3 times in a row \(last: Chromium at \S+ did not start: [^)]*this Chromium is broken on purpose/);
    expect(worker.output()).toContain('went back to the queue without spending an attempt');

    // Nothing charged: no attempt on the rows (this one, and the one the first test left waiting),
    // none spent in BullMQ, and each failure noted on its row; three of them in all.
    let failures = 0;
    for (const { resultId, entryId } of [mine, waitingBefore]) {
      const r = await row(resultId);
      const entry = await h.queue.queue.getJob(entryId);
      const noted = r.response_log.filter((e) => e.event === "the worker's browser failed; not counted as an attempt").length;
      expect([r.status, r.attempts, entry?.attemptsMade, noted]).toEqual(['pending', 0, 0, entry?.data.browserFailures ?? 0]);
      failures += noted;
    }
    expect(failures).toBe(3);

    const healthy = await startWorker(env);
    workers.push(healthy);
    for (const { resultId } of [mine, waitingBefore]) {
      await untilSubmitted(resultId, () => healthy.output().slice(-3000));
      expect(await row(resultId)).toMatchObject({ status: 'submitted', attempts: 1 });
    }
    expect(sandbox.received().filter((s) => s.website === mine.website).map((s) => s.outcome)).toEqual(['accepted']);
  });

  it('gives the attempt back when Chromium dies under a submission; the worker starts a new one and does the row', async () => {
    const worker = await startWorker(env);
    workers.push(worker);
    const mine = await order('sandbox-0002');
    let killed: ChromiumProcess[] = [];
    // The browser dies while its page waits for the directory's form.
    gate.arm('sandbox-0002', 'GET', () => {
      killed = chromiumUnder(worker.child.pid as number).filter((p) => p.type === 'browser');
      for (const p of killed) process.kill(p.pid, 'SIGKILL');
    }, 'hang');

    await untilSubmitted(mine.resultId, () => worker.output().slice(-3000));
    expect(killed).toHaveLength(1);
    const r = await row(mine.resultId);
    expect(r).toMatchObject({ status: 'submitted', attempts: 1 });
    expect(r.response_log).toContainEqual(expect.objectContaining({ event: "the worker's browser failed; not counted as an attempt", detail: expect.stringMatching(/^Chromium went away or stopped answering during the attempt/) }));
    expect(sandbox.received().filter((s) => s.website === mine.website).map((s) => s.outcome)).toEqual(['accepted']);
    // BullMQ counts the attempt that completed, and only that one.
    expect((await h.queue.queue.getJob(mine.entryId))?.attemptsMade).toBe(1);
    expect(worker.child.exitCode).toBeNull(); // one failure is not a broken worker
  });
  it('gives the attempt back when Chromium stops answering under a submission, and does not wait on it again', async () => {
    const worker = await startWorker({ ...env, SUBMIT_TIMEOUT_MS: '5000' });
    workers.push(worker);
    const mine = await order('sandbox-0009');
    let frozen: ChromiumProcess[] = [];
    // The browser freezes (SIGSTOP) while its page waits for the directory's form, which never comes.
    gate.arm('sandbox-0009', 'GET', () => {
      frozen = chromiumUnder(worker.child.pid as number).filter((p) => p.type === 'browser');
      for (const p of frozen) process.kill(p.pid, 'SIGSTOP');
    }, 'hang');
    try {
      await untilSubmitted(mine.resultId, () => worker.output().slice(-3000));
      expect(frozen).toHaveLength(1);
      const r = await row(mine.resultId);
      expect(r).toMatchObject({ status: 'submitted', attempts: 1 });
      expect(r.response_log).toContainEqual(expect.objectContaining({ event: "the worker's browser failed; not counted as an attempt", detail: expect.stringMatching(/^Chromium went away or stopped answering during the attempt/) }));
      expect(sandbox.received().filter((s) => s.website === mine.website).map((s) => s.outcome)).toEqual(['accepted']);
    } finally {
      for (const p of frozen) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone with its worker
        }
      }
    }
  });
});

describe("Chromium's sandbox", () => {
  /**
   * Runs an order through `worker` and looks at its Chromium processes while the form's POST
   * waits at the gate: the renderer that showed the form is there then.
   */
  async function processesDuringASubmission(worker: Proc, directoryId: string): Promise<ChromiumProcess[]> {
    let seen: ChromiumProcess[] = [];
    gate.arm(directoryId, 'POST', () => void (seen = chromiumUnder(worker.child.pid as number)), 'forward');
    const mine = await order(directoryId);
    await untilSubmitted(mine.resultId, () => worker.output().slice(-3000));
    return seen;
  }

  it('is off for a worker running as root, which says so, and its renderers are unconfined', async () => {
    const worker = await startWorker(env);
    workers.push(worker);
    expect(worker.output()).toMatch(/worker \d+ started; Chromium \S+ at \S+, sandbox OFF: the worker runs as root, where Chromium refuses its sandbox[^\n]*Chromium reports NOT sandboxed/);
    const seen = await processesDuringASubmission(worker, 'sandbox-0006');
    const renderers = seen.filter((p) => p.type === 'renderer');
    expect(renderers.length).toBeGreaterThan(0);
    const own = readlinkSync(`/proc/${worker.child.pid}/ns/user`);
    for (const p of renderers) expect([p.type, p.seccomp, p.userNamespace === own, p.noSandboxFlag]).toEqual(['renderer', '0', true, true]);
  });

  it("keeps Playwright's disabled features and adds the browser-UI pages a form does without: no renderer of its own for them", async () => {
    const worker = await startWorker(env);
    workers.push(worker);
    const seen = await processesDuringASubmission(worker, 'sandbox-0007');
    expect(seen.filter((p) => p.type === 'renderer').length).toBeGreaterThan(0);
    expect(seen.filter((p) => p.browserUi)).toEqual([]);
    const browser = seen.find((p) => p.type === 'browser');
    // Playwright's own list is kept beside ours (Chromium honours only the last switch).
    const plan = await checkBrowser(loadConfig());
    expect(plan.disabledFeatures?.length).toBeGreaterThan(0);
    expect(browser?.disabledFeatures).toEqual(expect.arrayContaining([...(plan.disabledFeatures ?? []), ...UNNEEDED_FEATURES]));

    // The control: a Chromium launched with Playwright's flags alone does open one for a context.
    const plain = await chromium.launch(launchOptions({ ...plan, disabledFeatures: undefined }));
    try {
      await (await plain.newContext()).newPage();
      const workerTree = new Set(descendants(worker.child.pid as number));
      const mine = () => chromiumUnder(process.pid).filter((p) => !workerTree.has(p.pid));
      await waitFor('a browser-UI renderer in a Chromium without the flag', async () => mine().some((p) => p.browserUi), { timeoutMs: DEADLINE.event });
    } finally {
      await plain.close();
    }
  });

  it('is on for an unprivileged worker where the kernel offers user namespaces: seccomp-bpf and a namespace of their own for its renderers', async () => {
    // The user `nobody`, with a HOME it may write (Chromium keeps a little state there).
    const home = mkdtempSync(join(tmpdir(), 'boltline-nobody-'));
    chmodSync(home, 0o777);
    scratch.push(home);
    // `nobody` may not be able to reach this checkout or this node (a clone under `mktemp -d`, a
    // node from the npx cache under /root): it runs hard-linked copies in a folder it can read.
    const root = join(home, 'project');
    mkdirSync(root, { mode: 0o755 });
    execFileSync('cp', ['-al', join(PROJECT_ROOT, 'dist'), join(PROJECT_ROOT, 'node_modules'), join(PROJECT_ROOT, 'package.json'), root]);
    const node = join(home, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    const worker = await startWorker({ ...env, HOME: home }, { user: { uid: 65534, gid: 65534 }, root, node });
    workers.push(worker);
    const facts = hostFacts();
    const seen = await processesDuringASubmission(worker, 'sandbox-0008');
    const renderers = seen.filter((p) => p.type === 'renderer');
    expect(renderers.length).toBeGreaterThan(0);
    const own = readlinkSync(`/proc/${worker.child.pid}/ns/user`);
    if (facts.noUserNamespaces) {
      // A kernel without them: the worker must say so, and its renderers are indeed unconfined.
      expect(worker.output()).toMatch(/sandbox OFF: Chromium could not start its sandbox here/);
      for (const p of renderers) expect([p.seccomp, p.userNamespace === own]).toEqual(['0', true]);
    } else {
      expect(worker.output()).toMatch(/worker \d+ started; Chromium \S+ at \S+, sandbox on: the worker runs as uid 65534 with user namespaces; Chromium reports adequately sandboxed \(layer 1: Namespace, seccomp-bpf: Yes\)/);
      // Seccomp 2: a seccomp-bpf filter; a user namespace other than the worker's: the namespace sandbox.
      for (const p of renderers) expect([p.seccomp, p.userNamespace === own]).toEqual(['2', false]);
      expect(seen.filter((p) => p.noSandboxFlag)).toEqual([]);
    }
  });
});

describe('the demo', () => {
  it('checks the browser before it starts anything, let alone places an order', async () => {
    const demo = spawn(process.execPath, [join(__dirname, '..', 'dist', 'scripts', 'demo.js')], {
      env: { ...process.env, ...env, CHROMIUM_PATH: '/nonexistent/chromium', PORT: String(await freePort()), SANDBOX_URL: `http://127.0.0.1:${await freePort()}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: whatever it might start goes down with it below.
      detached: true,
    });
    let output = '';
    demo.stdout.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | string>((r) => demo.on('exit', (code, signal) => r(code ?? signal ?? -1)));
    try {
      let code: number | string | undefined;
      void exited.then((c) => (code = c));
      expect(await waitFor('the demo to exit', async () => code ?? false, { timeoutMs: DEADLINE.recovery, describe: async () => output })).toBe(1);
      expect(output).toContain('demo failed: Chromium not found: there is no file at CHROMIUM_PATH=/nonexistent/chromium');
      expect(output).toContain('apt-get install -y chromium');
      // Nothing was started or written: no database work, no key, no customer, no order.
      expect(output).not.toMatch(/database ready|sandbox: \d+ directories|order /);
      const [counts] = await h.db.dataSource.query(
        `SELECT (SELECT count(*) FROM api_keys WHERE name LIKE 'demo %')::int AS keys, (SELECT count(*) FROM customers WHERE website LIKE 'https://demo-%')::int AS customers`,
      );
      expect(counts).toEqual({ keys: 0, customers: 0 });
    } finally {
      try {
        process.kill(-(demo.pid as number), 'SIGKILL');
      } catch {
        // already gone, with everything it started
      }
    }
  });
});
