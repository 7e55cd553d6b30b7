import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../harness/database';
import { freePort } from '../harness/processes';
import { waitFor } from '../harness/wait';
import { DEADLINE } from './support/deadlines';
import { openSubmissionQueue, TEST_REDIS_URL, testQueuePrefix } from './support/queue';

/**
 * `npm run demo` as a person runs it, stopped with Ctrl-C (SIGINT) once its order is under way:
 * what it prints at stop is a short summary and where each process's full log is, not the logs.
 */
const ROOT = join(__dirname, '..');
/** The demo starts an API and two workers one after another, each allowed 60 s (processes.ts). */
const DEMO_START_MS = 4 * 60_000;

let db: TestDatabase;
let cwd: string;
let prefix: string;
let demo: ChildProcess | undefined;

/** The built demo, run from `cwd` (its .demo-logs/ go there) against this file's database and queue. */
function startDemo(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', 'demo.js')], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

beforeAll(async () => {
  db = await createTestDatabase();
  cwd = mkdtempSync(join(tmpdir(), 'boltline-demo-'));
  prefix = testQueuePrefix();
});

afterAll(async () => {
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  await openSubmissionQueue(prefix).close();
  await db?.drop();
  rmSync(cwd, { recursive: true, force: true });
});

it('stops with a few lines: what ran, how the order stood, and where the full logs are', async () => {
  const d = startDemo({
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    PORT: String(await freePort()),
    SANDBOX_URL: `http://127.0.0.1:${await freePort()}`,
    ARTIFACT_DIR: join(cwd, 'artifacts'),
    // Submissions in flight at stop get this long to finish.
    SHUTDOWN_GRACE_MS: '2000',
  });
  demo = d.child;
  const orderId = await waitFor('the demo to create its order', async () => /order ([0-9a-f-]{36}): 50 directories/.exec(d.output())?.[1], {
    timeoutMs: DEMO_START_MS,
    describe: async () => d.output().slice(-2000),
  });

  d.child.kill('SIGINT');
  const code = await waitFor('the demo to stop', () => Promise.race([d.exited.then((c) => ({ c })), new Promise<undefined>((r) => setTimeout(r, 500))]), {
    timeoutMs: DEADLINE.recovery,
    describe: async () => d.output().slice(-2000),
  });

  const output = d.output();
  const atStop = output.slice(output.indexOf('stopping...')).trim();
  // Exactly the summary, whole, so a failure shows what was printed instead.
  expect(atStop).toMatch(
    new RegExp(
      `^${[
        'stopping\\.\\.\\.',
        'stopped: API \\(exit 0\\), worker 1 \\(exit 0\\), worker 2 \\(exit 0\\), sandbox',
        `order ${orderId}: \\w+, \\d+ of 50 directories done \\(\\d+ submitted, \\d+ failed, \\d+ to review\\)`,
        'full logs:',
        '  \\.demo-logs/[^/\\n]+/api\\.log',
        '  \\.demo-logs/[^/\\n]+/worker-1\\.log',
        '  \\.demo-logs/[^/\\n]+/worker-2\\.log',
      ].join('\n')}$`,
    ),
  );
  // No log line reached the terminal before the stop either.
  expect(output).not.toMatch(/^\{"level"/m);
  expect(code.c).toBe(0);

  // Each file named holds that process's whole log.
  const files = atStop.split('\n').slice(4).map((l) => join(cwd, l.trim()));
  expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['api.log', 'worker-1.log', 'worker-2.log']);
  for (const f of files) expect(existsSync(f)).toBe(true);
  expect(readFileSync(files[0], 'utf8')).toMatch(/^\{"level":30.*"msg":"API on http/m);
  for (const f of files.slice(1)) expect(readFileSync(f, 'utf8')).toMatch(/^worker \d+ started(;|$)/m);
});
