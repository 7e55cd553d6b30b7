import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT as ROOT } from './root';
import { waitFor } from './wait';

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** The file that also gets everything the process writes, when one was asked for. */
  logFile?: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** `uid`/`gid`: run it as another user (a root test starting an unprivileged worker). */
export interface ProcessUser {
  uid: number;
  gid: number;
}

/** Where a process's output goes besides memory (`logFile` gets all of it: the demo's logs), and as whom it runs. */
export interface ProcessOptions {
  logFile?: string;
  user?: ProcessUser;
  /** Another copy of the project and a node binary to run it with (one `user` may read). */
  root?: string;
  node?: string;
  /** Command-line arguments for the entrypoint. */
  args?: string[];
  /** The process gets `env` and nothing of the test's own environment (the remote worker: no database, no Redis). */
  bareEnv?: boolean;
}

/**
 * A built entrypoint: one of src/ (`dist/src/<entry>.js`), or a benchmark's own process under
 * bench/ (`dist/bench/<name>.js`: workers with a stand-in submitter, raw BullMQ loops).
 */
export type Entry = 'main' | 'worker' | 'remote-worker/main' | 'sandbox/main' | `bench/${string}`;

/** Runs a built entrypoint (`npm test`, `demo` and `bench` build first) with its own environment. */
export function startProcess(entry: Entry, env: Record<string, string | undefined>, opts: ProcessOptions = {}): Proc {
  const root = opts.root ?? ROOT;
  const file = entry.startsWith('bench/') ? join(root, 'dist', `${entry}.js`) : join(root, 'dist', 'src', `${entry}.js`);
  // Node refuses --cpu-prof in NODE_OPTIONS: a profile of the started processes (the API, the
  // workers) is asked for here instead, one .cpuprofile per process as it exits.
  const profile = process.env.BOLTLINE_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BOLTLINE_CPU_PROF_DIR}`] : [];
  const child = spawn(opts.node ?? process.execPath, [...profile, file, ...(opts.args ?? [])], {
    cwd: root,
    env: opts.bareEnv ? env : { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts.user,
  });
  let out = '';
  // Under `npm test` every line is also kept for the log scan that ends the run (test/support/log-scan.ts).
  const logDir = process.env.BOLTLINE_TEST_LOGS;
  const keep = [logDir && join(logDir, `${entry.replace(/\//g, '-')}-${child.pid}.log`), opts.logFile].filter((f): f is string => !!f).map((f) => createWriteStream(f));
  const take = (d: Buffer) => {
    out += d.toString();
    for (const k of keep) k.write(d);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  child.on('exit', () => keep.forEach((k) => k.end()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => out,
    logFile: opts.logFile,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * How long a process may take to start: a few seconds on a quiet machine; a worker launches
 * Chromium first, and tests may start one beside a CPU hog and other suites' browsers.
 */
const START_DEADLINE_MS = 60_000;

export async function startApi(env: Record<string, string | undefined>, port: number, opts: ProcessOptions = {}): Promise<Proc> {
  const api = startProcess('main', { ...env, PORT: String(port) }, opts);
  await killIfNot(api, waitFor('the API to answer /api/v1/health/ready', async () => {
    if (api.child.exitCode !== null) throw new Error(`API exited: ${api.output()}`);
    return fetch(`http://127.0.0.1:${port}/api/v1/health/ready`).then((r) => r.ok, () => false);
  }, { timeoutMs: START_DEADLINE_MS, describe: async () => api.output().slice(-2000) }));
  return api;
}

/** `entry`: another worker entrypoint that prints the same `worker <pid> started` line (the bench's). */
export async function startWorker(env: Record<string, string | undefined>, opts: ProcessOptions = {}, entry: Entry = 'worker'): Promise<Proc> {
  const worker = startProcess(entry, env, opts);
  await killIfNot(worker, waitFor('the worker to start', async () => {
    if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.output()}`);
    return /worker \d+ started/.test(worker.output());
  }, { timeoutMs: START_DEADLINE_MS, describe: async () => worker.output().slice(-2000) }));
  return worker;
}

/**
 * The remote worker (src/remote-worker) with `args` and exactly `env`: it holds the API's address
 * and a key, nothing of Boltline's settings. Resolves once it said it started.
 */
export async function startRemoteWorker(args: string[], env: Record<string, string>, opts: ProcessOptions = {}): Promise<Proc> {
  const worker = startProcess('remote-worker/main', env, { ...opts, args, bareEnv: true });
  await killIfNot(worker, waitFor('the remote worker to start', async () => {
    if (worker.child.exitCode !== null) throw new Error(`remote worker exited: ${worker.output()}`);
    return /remote worker \S+ started/.test(worker.output());
  }, { timeoutMs: START_DEADLINE_MS, describe: async () => worker.output().slice(-2000) }));
  return worker;
}

/** A process that did not start in time is killed: the caller never gets it, so nothing else would. */
async function killIfNot(proc: Proc, started: Promise<unknown>): Promise<void> {
  try {
    await started;
  } catch (err) {
    await proc.kill('SIGKILL');
    throw err;
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Every process below `pid` (children, their children, ...), as of now. */
export function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString().trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of rows) if (tree.has(pp) && !tree.has(p)) (tree.add(p), (grew = true));
  }
  tree.delete(pid);
  return [...tree];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
