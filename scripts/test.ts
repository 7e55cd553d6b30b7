import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL } from '../harness/database';
import { unsupportedNode } from '../harness/node-support';
import { redisAnswers, TEST_REDIS_URL } from '../harness/redis-server';

/**
 * `npm test` (after `nest build`): says up front what the machine lacks, then runs jest's two
 * projects (jest.config.js) one after the other: `light` in parallel, `heavy` (worker processes,
 * Chromium, servers of their own) one file at a time. It samples the load average throughout and
 * ends with one summary. Arguments are passed to both jest runs (`npm test -- test/api.test.ts`);
 * jest's own --selectProjects, --json and --outputFile are the wrapper's and are refused.
 */
const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * How long jest may take to exit after writing its report. Longer means something a test started
 * (a socket, a timer, a child process) is still open: with --runInBand that would keep the run
 * alive for ever, so it is ended and reported instead.
 */
const EXIT_GRACE_MS = 60_000;
const OWN_FLAGS = ['--selectProjects', '--json', '--outputFile', '--listTests'];
/** The jest run under way, to be ended with this process. */
let running: ReturnType<typeof spawn> | undefined;
const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

interface Phase {
  project: 'light' | 'heavy';
  args: string[];
}
const PHASES: Phase[] = [
  { project: 'light', args: ['--maxWorkers=2'] },
  { project: 'heavy', args: ['--runInBand'] },
];

async function postgresAnswers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What the tests need and this machine lacks, each with its fix. */
async function missing(): Promise<string[]> {
  const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((dir) => executable(join(dir, cmd)));
  const pgBins = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => executable(`/usr/lib/postgresql/${v}/bin/initdb`));
  return [
    unsupportedNode(),
    !(await postgresAnswers(ADMIN_DATABASE_URL)) &&
      `PostgreSQL does not answer at ${redact(ADMIN_DATABASE_URL)} (TEST_DATABASE_URL): start it, e.g. \`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -n1) main start\`, or run \`bash .ci/run\`.`,
    !(await redisAnswers(TEST_REDIS_URL)) &&
      `Redis does not answer at ${TEST_REDIS_URL} (TEST_REDIS_URL): start it, e.g. \`redis-server --daemonize yes --save "" --appendonly no\`, or run \`bash .ci/run\`.`,
    !executable(CHROMIUM) && `No Chromium at ${CHROMIUM}: \`apt-get install chromium\`, or set CHROMIUM_PATH.`,
    !onPath('redis-server') && 'The fault suite starts redis-servers of its own: `apt-get install redis-server`.',
    !pgBins && 'The fault suite starts a PostgreSQL of its own (initdb, pg_ctl under /usr/lib/postgresql): `apt-get install postgresql`.',
  ].filter((m): m is string => typeof m === 'string');
}

interface Outcome {
  project: string;
  exitCode: number;
  seconds: number;
  passed: number;
  failed: number;
  /** Test files that could not run at all (a syntax error, a hook that threw before any test). */
  brokenFiles: number;
  /** What went wrong outside the tests, if anything. */
  problem?: string;
  peakLoad: number;
  meanLoad: number;
}

/** One jest run; the 1-minute load average is sampled every 2 s while it lasts. */
async function run(phase: Phase, extra: string[]): Promise<Outcome> {
  const results = join(mkdtempSync(join(tmpdir(), 'boltline-jest-')), 'results.json');
  const loads: number[] = [loadavg()[0]];
  const sampler = setInterval(() => loads.push(loadavg()[0]), 2000);
  const started = Date.now();
  const jest = require.resolve('jest/bin/jest', { paths: [ROOT] });
  // Without a filter every phase must find its files: a project that matched nothing is a mistake.
  const args = [jest, '--selectProjects', phase.project, ...phase.args, ...(extra.length ? ['--passWithNoTests'] : []), '--json', `--outputFile=${results}`, ...extra];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  running = child;
  let problem: string | undefined;
  let reported: number | undefined;
  const watchdog = setInterval(() => {
    if (reported === undefined && existsSync(results)) reported = Date.now();
    if (reported !== undefined && Date.now() - reported > EXIT_GRACE_MS && child.exitCode === null) {
      problem = `jest did not exit within ${EXIT_GRACE_MS / 1000} s of its report: a test left a handle open (find it with \`npx jest --selectProjects ${phase.project} --runInBand --detectOpenHandles FILE\`)`;
      child.kill('SIGKILL');
    }
  }, 1000);
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', (err) => ((problem = `jest did not start: ${err.message}`), resolve(1)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  clearInterval(watchdog);
  clearInterval(sampler);
  running = undefined;
  loads.push(loadavg()[0]);
  let passed = 0;
  let failed = 0;
  let brokenFiles = 0;
  try {
    const json = JSON.parse(readFileSync(results, 'utf8')) as { numPassedTests: number; numFailedTests: number; numRuntimeErrorTestSuites: number };
    passed = json.numPassedTests;
    failed = json.numFailedTests;
    brokenFiles = json.numRuntimeErrorTestSuites;
  } catch {
    problem ??= 'jest wrote no report: it crashed, or its global setup or teardown failed (the log scan of secrets is its teardown): see above';
  }
  return {
    project: phase.project,
    exitCode,
    seconds: Math.round((Date.now() - started) / 1000),
    passed,
    failed,
    brokenFiles,
    problem,
    peakLoad: Math.max(...loads),
    meanLoad: loads.reduce((a, b) => a + b, 0) / loads.length,
  };
}

async function main(): Promise<void> {
  const extra = process.argv.slice(2);
  const own = extra.filter((a) => OWN_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
  if (own.length) {
    console.error(`npm test chooses ${own.join(', ')} itself; run \`npx jest\` directly for those.`);
    process.exit(2);
  }
  // Ctrl-C or a CI runner's SIGTERM ends jest too, and with it the processes its tests started.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      running?.kill(sig);
      process.exit(130);
    });
  }
  const lacking = await missing();
  if (lacking.length) {
    console.error(`npm test cannot run on this machine yet:\n  ${lacking.join('\n  ')}`);
    process.exit(1);
  }
  const outcomes: Outcome[] = [];
  for (const phase of PHASES) outcomes.push(await run(phase, extra));

  const cores = cpus().length;
  // The 1-minute average trails: the light phase's figures still carry some of the build before it.
  console.log(`\nTest phases on Node ${process.version}, ${cores} cores (1-minute load average, sampled every 2 s):`);
  for (const o of outcomes) {
    const broken = o.brokenFiles ? `, ${o.brokenFiles} file(s) could not run` : '';
    console.log(
      `  ${o.project.padEnd(5)}  ${String(o.seconds).padStart(4)} s  ${o.passed} passed, ${o.failed} failed${broken}  load peak ${o.peakLoad.toFixed(2)}, mean ${o.meanLoad.toFixed(2)}${o.exitCode ? `  (jest exited ${o.exitCode})` : ''}`,
    );
    if (o.problem) console.log(`         ${o.problem}`);
  }
  const passed = outcomes.reduce((n, o) => n + o.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.failed, 0);
  console.log(`Tests: ${passed} passed, ${failed} failed`);
  const ok = outcomes.every((o) => o.exitCode === 0 && o.failed === 0 && o.brokenFiles === 0 && !o.problem);
  process.exit(ok ? 0 : 1);
}

void main();
