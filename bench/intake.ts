import type { Queue } from 'bullmq';
import { Pool } from 'pg';
import { loadConfig } from '../src/config/config.schema';
import { APP_POOL_SIZE } from '../src/database/data-source';
import { SUBMISSION_QUEUE, SUBMIT_LISTING, submissionJobId, submissionJobOptions } from '../src/queue/queue.constants';
import { waitFor } from '../harness/wait';
import { BENCH_PRIORITY, stackQueue } from './no-browser';
import { type Figure, median } from './report';
import { progress } from './progress';
import { runAlone } from './standalone';
import { benchCustomer, type BenchStack, REPEAT, startBenchStack } from './support';

/**
 * Intake: orders through `POST /jobs` (no approval, no workers, so every entry stays in the
 * queue) for 100- and 500-directory packages with 1 and 50 concurrent clients, beside the raw
 * ceiling: the same rows written by a batch INSERT (jobs + job_results, the same scratch schema)
 * and the same entries added with addBulk, from as many concurrent clients over a pool as large as
 * the API's. An order is taken in twice over: when its 201 arrives (PostgreSQL committed, the
 * relay not yet run), and when all of its entries are in the queue; the second is the one the raw
 * ceiling is comparable with. Settings: BENCH_INTAKE_ROWS (10,000 rows per run at least: the
 * number of orders is that divided by the size, at least one per client).
 */
const SIZES = [100, 500];
const CLIENTS = [1, 50];
const ROWS = Number(process.env.BENCH_INTAKE_ROWS ?? 10_000);
const POLL_MS = 10;

interface Intake {
  /** Seconds from the first request to the last 201. */
  answered: number;
  /** Seconds from the first request until every entry was in the queue. */
  queued: number;
}

export async function intakeSection(sandboxUrl: string): Promise<Figure[]> {
  const stack = await startBenchStack(sandboxUrl, {
    REQUIRE_APPROVAL: 'false',
    // Entries pile up with no worker to finish them: every order stays open.
    MAX_OPEN_ORDERS_PER_ACCOUNT: '1000000',
  });
  const queue = stackQueue(stack, SUBMISSION_QUEUE);
  const rawQueue = stackQueue(stack, 'raw-intake');
  const pool = new Pool({ connectionString: stack.db.url, max: APP_POOL_SIZE });
  try {
    const customers: string[] = [];
    for (let i = 0; i < Math.max(...CLIENTS); i++) customers.push((await stack.post('/customers', benchCustomer())).id);
    const directories = async (size: number): Promise<string[]> =>
      (await stack.db.dataSource.query(`SELECT id FROM directories WHERE enabled ORDER BY position, id LIMIT $1`, [size])).map((r: { id: string }) => r.id);
    const reset = async () => {
      await stack.db.dataSource.query(`TRUNCATE jobs CASCADE`);
      for (const q of [queue, rawQueue]) await q.obliterate({ force: true });
    };

    // Warm-up, not measured: the API's JIT and pools, the bench's own.
    await boltline(stack, queue, customers, 100, 5, 1);
    await raw(pool, rawQueue, customers, await directories(100), 5, 1);
    await reset();

    const figures: Figure[] = [];
    for (const size of SIZES) {
      const ids = await directories(size);
      for (const clients of CLIENTS) {
        const orders = Math.ceil(Math.max(clients, ROWS / size) / clients) * clients;
        const runs: Intake[] = [];
        const raws: number[] = [];
        for (let r = 0; r < REPEAT; r++) {
          runs.push(await boltline(stack, queue, customers, size, orders, clients));
          await reset();
          raws.push(await raw(pool, rawQueue, customers, ids, orders, clients));
          await reset();
          const rows = orders * size;
          progress('intake', `${size} × ${clients}, run ${r + 1}/${REPEAT}: Boltline ${(rows / runs[r].queued).toFixed(0)} rows/s queued, raw ${(rows / raws[r]).toFixed(0)} rows/s`);
        }
        figures.push(...intakeFigures(size, clients, orders, runs, raws));
      }
    }
    return figures;
  } finally {
    await pool.end();
    await queue.close();
    await rawQueue.close();
    await stack.stop();
  }
}

function intakeFigures(size: number, clients: number, orders: number, runs: Intake[], raws: number[]): Figure[] {
  const section = 'intake';
  const id = `intake.${size}.${clients}`;
  const rows = orders * size;
  const who = `${size}-directory orders, ${clients} client${clients > 1 ? 's' : ''}`;
  const answered = runs.map((r) => orders / r.answered);
  return [
    {
      id: `${id}.answered`, section, measure: `Boltline POST /jobs, ${who}: answered (201)`, unit: 'orders/s', samples: answered, better: 'higher',
      note: `${orders} orders, ${rows} rows; at the last 201 ≈ ${Math.round(median(answered) * size)} rows/s, the relay still behind`,
    },
    {
      id: `${id}.queued`, section, measure: `Boltline POST /jobs, ${who}: every entry in the queue`, unit: 'rows/s', samples: runs.map((r) => rows / r.queued), better: 'higher',
      ceiling: `${id}.raw`, target: 0.5, note: 'first request until the queue held every row',
    },
    {
      id: `${id}.raw`, section, measure: `raw batch INSERT (jobs + job_results) + addBulk, ${who}`, unit: 'rows/s', samples: raws.map((s) => rows / s), better: 'higher',
      note: `one transaction per order, then its entries in 500s without waiting for them; ${APP_POOL_SIZE} connections like the API`,
    },
  ];
}

/** `orders` packages of `size` through the API from `clients` concurrent clients (one customer each). */
async function boltline(stack: BenchStack, queue: Queue, customers: string[], size: number, orders: number, clients: number): Promise<Intake> {
  const rows = orders * size;
  const started = performance.now();
  const inQueue = waitFor(`${rows} entries in the queue`, async () => {
    const c = await queue.getJobCounts('prioritized', 'waiting');
    return c.prioritized + c.waiting >= rows ? performance.now() : undefined;
  }, { timeoutMs: 10 * 60_000, intervalMs: POLL_MS });
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = c; i < orders; i += clients) await stack.post('/jobs', { customerId: customers[c], packageSize: size, priority: BENCH_PRIORITY });
  }));
  const answered = performance.now();
  const queued = await inQueue;
  return { answered: (answered - started) / 1000, queued: (queued - started) / 1000 };
}

/**
 * The same rows and entries, the least way: per order one INSERT of the order and one of its rows
 * in a transaction, then its entries with addBulk, not waited for before the client's next order
 * (as Boltline's relay does not hold up the next request): all are waited for at the end.
 */
async function raw(pool: Pool, queue: Queue, customers: string[], directoryIds: string[], orders: number, clients: number): Promise<number> {
  const opts = submissionJobOptions(loadConfig(), BENCH_PRIORITY);
  const adding: Array<Promise<unknown>> = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = c; i < orders; i += clients) {
      const db = await pool.connect();
      let rows: Array<{ id: string; directory_id: string }>;
      let jobId: string;
      try {
        await db.query('BEGIN');
        [{ id: jobId }] = (await db.query(
          `INSERT INTO jobs (customer_id, package_size, priority, status, total) VALUES ($1, $2, $3, 'queued', $2) RETURNING id`,
          [customers[c], directoryIds.length, BENCH_PRIORITY],
        )).rows;
        rows = (await db.query(`INSERT INTO job_results (job_id, directory_id) SELECT $1, unnest($2::text[]) RETURNING id::text, directory_id`, [jobId, directoryIds])).rows;
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK');
        throw err;
      } finally {
        db.release();
      }
      for (let k = 0; k < rows.length; k += 500) {
        const added = queue.addBulk(rows.slice(k, k + 500).map((r) => ({
          name: SUBMIT_LISTING,
          data: { resultId: r.id, generation: 1, jobId, directoryId: r.directory_id },
          opts: { ...opts, jobId: submissionJobId(r.id, 1) },
        })));
        added.catch(() => undefined); // reported by the Promise.all below, not as an unhandled rejection
        adding.push(added);
      }
    }
  }));
  await Promise.all(adding);
  return (performance.now() - started) / 1000;
}

if (require.main === module) runAlone(intakeSection);
