import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL } from './support/database';
import { redisAnswers, TEST_REDIS_URL } from './support/redis-server';

/**
 * `npm test` (after `nest build`): says up front what the machine lacks, then runs jest's two
 * projects (jest.config.js) one after the other: `light` in parallel, `heavy` (worker processes,
 * Chromium, servers of their own) one file at a time. It samples the load average throughout and
 * ends with one summary. Arguments are passed to both jest runs (`npm test -- test/api.test.ts`).
 */
const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
  return [
    !(await postgresAnswers(ADMIN_DATABASE_URL)) &&
      `PostgreSQL does not answer at ${ADMIN_DATABASE_URL} (TEST_DATABASE_URL): start it, e.g. \`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\`, or run \`bash .ci/run\`.`,
    !(await redisAnswers(TEST_REDIS_URL)) &&
      `Redis does not answer at ${TEST_REDIS_URL} (TEST_REDIS_URL): start it, e.g. \`redis-server --daemonize yes --save "" --appendonly no\`, or run \`bash .ci/run\`.`,
    !executable(CHROMIUM) && `No Chromium at ${CHROMIUM}: \`apt-get install chromium\`, or set CHROMIUM_PATH.`,
    !onPath('redis-server') && 'The fault suite starts redis-servers of its own: `apt-get install redis-server`.',
    !existsSync('/usr/lib/postgresql') && 'The fault suite starts a PostgreSQL of its own from /usr/lib/postgresql: `apt-get install postgresql`.',
  ].filter((m): m is string => typeof m === 'string');
}

interface Outcome {
  project: string;
  exitCode: number;
  seconds: number;
  passed: number;
  failed: number;
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
  const args = [jest, '--selectProjects', phase.project, ...phase.args, '--passWithNoTests', '--json', `--outputFile=${results}`, ...extra];
  const exitCode = await new Promise<number>((resolve) => {
    spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' }).on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  clearInterval(sampler);
  loads.push(loadavg()[0]);
  let passed = 0;
  let failed = 0;
  try {
    const json = JSON.parse(readFileSync(results, 'utf8')) as { numPassedTests: number; numFailedTests: number; numRuntimeErrorTestSuites: number };
    passed = json.numPassedTests;
    failed = json.numFailedTests + json.numRuntimeErrorTestSuites;
  } catch {
    failed = 1; // jest ended without its report: count the run as failed
  }
  return {
    project: phase.project,
    exitCode,
    seconds: Math.round((Date.now() - started) / 1000),
    passed,
    failed,
    peakLoad: Math.max(...loads),
    meanLoad: loads.reduce((a, b) => a + b, 0) / loads.length,
  };
}

async function main(): Promise<void> {
  const lacking = await missing();
  if (lacking.length) {
    console.error(`npm test cannot run on this machine yet:\n  ${lacking.join('\n  ')}`);
    process.exit(1);
  }
  const extra = process.argv.slice(2);
  const outcomes: Outcome[] = [];
  for (const phase of PHASES) outcomes.push(await run(phase, extra));

  const cores = cpus().length;
  console.log(`\nTest phases on ${cores} cores (load average: 1-minute, sampled every 2 s):`);
  for (const o of outcomes) {
    console.log(
      `  ${o.project.padEnd(5)}  ${String(o.seconds).padStart(4)} s  ${o.passed} passed, ${o.failed} failed  load peak ${o.peakLoad.toFixed(2)}, mean ${o.meanLoad.toFixed(2)}${o.exitCode ? `  (jest exited ${o.exitCode})` : ''}`,
    );
  }
  const passed = outcomes.reduce((n, o) => n + o.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.failed, 0);
  console.log(`Tests: ${passed} passed, ${failed} failed`);
  process.exit(outcomes.some((o) => o.exitCode !== 0) || failed > 0 ? 1 : 0);
}

void main();
