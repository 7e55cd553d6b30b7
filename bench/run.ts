import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../src/auth/api-keys.service';
import { importSandboxCatalogue } from '../src/sandbox/catalogue';
import { startSandbox } from '../src/sandbox/sandbox-server';
import { createTestDatabase } from '../harness/database';
import { descendants, freePort, Proc, startApi, startWorker } from '../harness/processes';
import { waitFor } from '../harness/wait';

/**
 * `npm run bench`: the pipeline's speed and memory on this machine, against the sandbox sites with
 * their real behaviours (slow answers, intermittent 500s). Settings: BENCH_WORKERS (2),
 * BENCH_CONCURRENCY (per worker, 2), BENCH_DIRECTORIES (100), BENCH_CREATES (30).
 */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const DIRECTORIES = Number(process.env.BENCH_DIRECTORIES ?? 100);
const CREATES = Number(process.env.BENCH_CREATES ?? 30);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * Proportional memory (PSS) of a process and all its descendants, Chromium's included, in MiB.
 * PSS splits shared pages between the processes sharing them; summed RSS would count Chromium's
 * shared libraries once per process.
 */
function treePssMiB(pid: number): number {
  const tree = [pid, ...descendants(pid)];
  let kib = 0;
  for (const p of tree) {
    try {
      kib += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended between ps and the read
    }
  }
  return kib / 1024;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0 });
  const db = await createTestDatabase('bench');
  await importSandboxCatalogue(db.dataSource.manager, sandbox.url);
  const { token } = await createApiKey(db.dataSource.manager, { name: 'bench', scopes: ['jobs:read', 'jobs:write'], account: 'bench' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `bench-${Date.now()}`,
    // The sandbox listens on loopback: the workers' egress proxy refuses that unless exempted.
    EGRESS_PRIVATE_ORIGINS: sandbox.url,
    REQUIRE_APPROVAL: 'true',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'boltline-bench-')),
    OUTBOX_POLL_MS: '200',
    LOG_LEVEL: 'warn',
  };
  const procs: Proc[] = [await startApi(env, port)];
  const api = `http://127.0.0.1:${port}/api/v1`;
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  try {
    const customer = await post('/customers', {
      businessName: 'Bench Bakery', email: 'bench@bakery.example', phone: '+1 512 555 0100', website: 'https://bench.example',
      address: '1 Bench Road', city: 'Austin', state: 'TX', zip: '78701', country: 'US', category: 'Restaurant',
      description: 'A bakery that exists to be benchmarked.',
    });

    // 1. Order creation: one 500-directory order per request, sequentially (held for approval).
    const createMs: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      const t = performance.now();
      const job = await post('/jobs', { customerId: customer.id, packageSize: 500 });
      createMs.push(performance.now() - t);
      await post(`/jobs/${job.id}/cancel`);
    }

    // 2. Throughput: one order through WORKERS processes, end to end.
    for (let i = 0; i < WORKERS; i++) procs.push(await startWorker(env));
    const directoryIds = Array.from({ length: DIRECTORIES }, (_, i) => `sandbox-${String(i + 1).padStart(4, '0')}`);
    const job = await post('/jobs', { customerId: customer.id, directoryIds, priority: 1 });
    const started = performance.now();
    await post(`/jobs/${job.id}/approve`);
    let peakRss = 0;
    await waitFor('the bench order to complete', async () => {
      peakRss = Math.max(peakRss, procs.slice(1).reduce((s, p) => s + treePssMiB(p.child.pid as number), 0));
      const j = await (await fetch(`${api}/jobs/${job.id}`, { headers })).json();
      return j.status === 'completed' ? j : undefined;
    }, { timeoutMs: 30 * 60_000, intervalMs: 250 });
    const elapsed = (performance.now() - started) / 1000;
    const rows: Array<{ duration_ms: number; status: string }> = await db.dataSource.query(
      `SELECT duration_ms, status FROM job_results WHERE job_id = $1`, [job.id],
    );
    const durations = rows.map((r) => r.duration_ms);
    const submitted = rows.filter((r) => r.status === 'submitted').length;

    console.log(`\nBoltline bench, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);
    console.log('| measure | value |\n|---|---|');
    console.log(`| POST /jobs, 500-directory order (n=${CREATES}) | p50 ${pct(createMs, 50).toFixed(0)} ms, p99 ${pct(createMs, 99).toFixed(0)} ms |`);
    console.log(`| ${DIRECTORIES}-directory order, ${WORKERS} workers × ${CONCURRENCY} | ${elapsed.toFixed(1)} s, ${(DIRECTORIES / elapsed).toFixed(2)} submissions/s, ${submitted} submitted, ${rows.length - submitted} failed |`);
    console.log(`| one submission (last attempt, browser work) | p50 ${pct(durations, 50)} ms, p95 ${pct(durations, 95)} ms |`);
    console.log(`| peak memory (PSS) of all workers with their Chromium | ${peakRss.toFixed(0)} MiB |`);
  } finally {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await db.drop();
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
