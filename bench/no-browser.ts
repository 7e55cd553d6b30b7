import { Queue } from 'bullmq';
import { readdirSync, readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/config.schema';
import { SUBMIT_LISTING, submissionJobId, submissionJobOptions } from '../src/queue/queue.constants';
import { redisOptionsFromUrl } from '../src/queue/redis-options';
import { type Proc, startWorker } from '../harness/processes';
import { waitFor } from '../harness/wait';
import { benchCustomer, type BenchStack, machineBusySeconds, startAll, stopProcess, wellBehavedDirectories } from './support';

/**
 * What the no-browser sections (pipeline, scale, recovery) share: Boltline's workers with the
 * HTTP submitter (bench/http-worker.ts), orders held for approval and then let go all at once, and
 * the raw BullMQ loops (bench/raw-worker.ts) that do the same number of jobs beside them.
 */

/** The one order priority of every bench order and raw job: the same BullMQ priority path for both. */
const PRIORITY = 1;
/** How often completion is polled: small beside the runs' seconds, cheap beside their work. */
const POLL_MS = 20;

export const HTTP_WORKER = 'bench/http-worker';
const RAW_WORKER = 'bench/raw-worker';

/** Starts `n` HTTP-submitter workers of `concurrency` each on the stack; its stopWorkers stops them. */
export async function startHttpWorkers(stack: BenchStack, n: number, concurrency: number): Promise<Proc[]> {
  const env = { ...stack.env, WORKER_CONCURRENCY: String(concurrency) };
  const started = await startAll(n, () => startWorker(env, {}, HTTP_WORKER));
  stack.workers.push(...started);
  return started;
}

export interface HeldOrders {
  ids: string[];
  submissions: number;
}

/** `orders` orders of `size` well-behaved directories each, each for a new customer, held for approval. */
export async function holdOrders(stack: BenchStack, orders: number, size: number): Promise<HeldOrders> {
  const directoryIds = wellBehavedDirectories(size);
  if (directoryIds.length < size) throw new Error(`only ${directoryIds.length} well-behaved sandbox directories, not ${size}`);
  const ids: string[] = [];
  for (let i = 0; i < orders; i++) {
    const customer = await stack.post('/customers', benchCustomer());
    ids.push((await stack.post('/jobs', { customerId: customer.id, directoryIds, priority: PRIORITY })).id);
  }
  return { ids, submissions: orders * size };
}

export interface Run {
  seconds: number;
  /** The whole machine's busy CPU-seconds over the run (every process: workers, API, PostgreSQL, Redis, sandbox). */
  cpuSeconds: number;
  /** Of which (Boltline's runs): the workers, the API, PostgreSQL and Redis; the rest is the sandbox's, the bench's and strangers'. */
  cpuBy?: Record<CpuGroup, number>;
}

export type CpuGroup = 'workers' | 'api' | 'postgres' | 'redis';

/**
 * Busy CPU-seconds so far of the stack's processes, and of every PostgreSQL and Redis server
 * process (by name). A process that ended since an earlier reading takes its share with it (a
 * PostgreSQL backend of a closed connection): the pools here keep theirs open.
 */
function cpuByGroup(stack: BenchStack): Record<CpuGroup, number> {
  const ticks = (pid: number | string): [string, number] => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [comm, Number(fields[11]) + Number(fields[12])]; // utime, stime
    } catch {
      return ['', 0]; // ended meanwhile
    }
  };
  const out: Record<CpuGroup, number> = { workers: 0, api: 0, postgres: 0, redis: 0 };
  for (const w of stack.workers) out.workers += ticks(w.child.pid!)[1];
  out.api = ticks(stack.api.child.pid!)[1];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const [comm, t] = ticks(pid);
    if (comm === 'postgres') out.postgres += t;
    else if (comm === 'redis-server') out.redis += t;
  }
  for (const g of Object.keys(out) as CpuGroup[]) out[g] /= 100; // USER_HZ
  return out;
}

/**
 * Approves held orders all at once and waits until every one completed: the seconds from the
 * first approval to the last completion. Throws unless every submission was `submitted`.
 */
export async function runOrders(stack: BenchStack, held: HeldOrders): Promise<Run> {
  const cpu = machineBusySeconds();
  const by = cpuByGroup(stack);
  const started = performance.now();
  await Promise.all(held.ids.map((id) => stack.post(`/jobs/${id}/approve`)));
  await waitFor(`${held.ids.length} bench orders to complete`, async () => {
    const [{ done }] = await stack.db.dataSource.query(`SELECT count(*)::int AS done FROM jobs WHERE id = ANY($1) AND status IN ('completed', 'cancelled')`, [held.ids]);
    return done === held.ids.length;
  }, { timeoutMs: 10 * 60_000, intervalMs: POLL_MS });
  const seconds = (performance.now() - started) / 1000;
  const after = cpuByGroup(stack);
  const run: Run = {
    seconds,
    cpuSeconds: machineBusySeconds() - cpu,
    cpuBy: Object.fromEntries(Object.entries(after).map(([g, t]) => [g, t - by[g as CpuGroup]])) as Record<CpuGroup, number>,
  };
  const [{ submitted }] = await stack.db.dataSource.query(`SELECT sum(submitted)::int AS submitted FROM jobs WHERE id = ANY($1)`, [held.ids]);
  if (submitted !== held.submissions) throw new Error(`bench orders: ${submitted}/${held.submissions} submitted; a figure over failed rows would mean nothing`);
  return run;
}

/** A BullMQ queue of the stack's prefix, as a producer (the bench's raw loops and its readings). */
export function stackQueue(stack: BenchStack, name: string): Queue {
  return new Queue(name, { connection: redisOptionsFromUrl(stack.env.REDIS_URL ?? loadConfig().REDIS_URL, 'producer'), prefix: stack.env.QUEUE_PREFIX });
}

/** The raw loops' table: a copy of job_results with its columns, constraints and indexes, without foreign keys. */
const RAW_TABLE = 'bench_raw_rows';

/** Fills the raw table with copies of these orders' rows, as pending: one per raw job. */
async function rawRows(stack: BenchStack, orderIds: string[]): Promise<Array<{ id: string; job_id: string; directory_id: string }>> {
  const q = (sql: string, params?: unknown[]) => stack.db.dataSource.query(sql, params);
  await q(`CREATE TABLE IF NOT EXISTS ${RAW_TABLE} (LIKE job_results INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
  await q(`TRUNCATE ${RAW_TABLE}`);
  await q(`INSERT INTO ${RAW_TABLE} SELECT * FROM job_results WHERE job_id = ANY($1)`, [orderIds]);
  await q(`UPDATE ${RAW_TABLE} SET status = 'pending'`);
  await q(`ANALYZE ${RAW_TABLE}`);
  return q(`SELECT id::text, job_id, directory_id FROM ${RAW_TABLE} ORDER BY id`);
}

export interface RawWorkers {
  queue: Queue;
  /** One job per row of these orders, added like the dispatcher adds Boltline's; resolves once all completed. */
  run(orderIds: string[]): Promise<Run>;
  stop(): Promise<void>;
}

/**
 * A raw ceiling: `workers` processes of bench/raw-worker.ts × `concurrency`, on a queue of their
 * own, kept for the whole section (warm like Boltline's workers). `noop` does nothing per job;
 * `update` one conditional UPDATE of the row's copy in the raw table; `submit` the HTTP
 * submitter's form GET and POST on the sandbox at `sandboxUrl`, then that UPDATE.
 */
export async function startRawWorkers(stack: BenchStack, mode: 'noop' | 'update' | 'submit', workers: number, concurrency: number, sandboxUrl = ''): Promise<RawWorkers> {
  const name = `raw-${mode}`;
  const env = { ...stack.env, RAW_QUEUE: name, RAW_MODE: mode, RAW_TABLE, RAW_SANDBOX_URL: sandboxUrl, WORKER_CONCURRENCY: String(concurrency) };
  const procs = await startAll(workers, () => startWorker(env, {}, RAW_WORKER));
  const queue = stackQueue(stack, name);
  const opts = submissionJobOptions(loadConfig(), PRIORITY);
  return {
    queue,
    /** The seconds from the first addBulk (in 500s, the same payload and options) to the last completion. */
    async run(orderIds) {
      const rows = await rawRows(stack, orderIds);
      await queue.clean(0, 0, 'completed'); // the previous run's: the count below starts at 0
      const cpu = machineBusySeconds();
      const started = performance.now();
      for (let i = 0; i < rows.length; i += 500) {
        await queue.addBulk(rows.slice(i, i + 500).map((r) => ({
          name: SUBMIT_LISTING,
          data: { resultId: r.id, generation: 1, jobId: r.job_id, directoryId: r.directory_id },
          opts: { ...opts, jobId: submissionJobId(r.id, 1) },
        })));
      }
      const counts = await waitFor(`${rows.length} raw ${mode} jobs`, async () => {
        const c = await queue.getJobCounts('completed', 'failed');
        return c.completed + c.failed === rows.length ? c : undefined;
      }, { timeoutMs: 5 * 60_000, intervalMs: POLL_MS });
      const run = { seconds: (performance.now() - started) / 1000, cpuSeconds: machineBusySeconds() - cpu };
      if (counts.failed) throw new Error(`raw ${mode}: ${counts.failed} of ${rows.length} jobs failed`);
      return run;
    },
    async stop() {
      await Promise.all(procs.map(stopProcess));
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

export { PRIORITY as BENCH_PRIORITY, POLL_MS };
