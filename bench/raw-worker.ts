import { Worker } from 'bullmq';
import { Pool } from 'pg';
import { loadConfig } from '../src/config/config.schema';
import { MAX_STALLED } from '../src/queue/queue.constants';
import { redisOptionsFromUrl } from '../src/queue/redis-options';
import type { ClickGate, SubmissionRequest } from '../src/engine/listing-submitter';
import { HttpSubmitter } from './http-submitter';
import { benchCustomer } from './support';

/**
 * A raw ceiling's worker process for the bench: a plain BullMQ Worker on RAW_QUEUE with the
 * options Boltline's SubmissionProcessor has (concurrency, lock, stalled checks, Redis connection),
 * doing the least work a submission needs and nothing of Boltline's:
 *   RAW_MODE=noop    nothing: what BullMQ alone costs per job;
 *   RAW_MODE=update  one conditional UPDATE of the entry's row (pending → submitted) in RAW_TABLE
 *                    (a copy of job_results), on a pool as large as the worker's concurrency;
 *   RAW_MODE=submit  the HTTP submitter's form GET and POST to the entry's directory on the sandbox
 *                    at RAW_SANDBOX_URL (a website of its own per entry), then the same UPDATE.
 * Prints `worker <pid> started` once it takes jobs; SIGTERM closes it after its in-flight jobs.
 */
const config = loadConfig();
const mode = process.env.RAW_MODE ?? 'noop';
const queue = process.env.RAW_QUEUE;
const table = process.env.RAW_TABLE ?? '';
const sandbox = process.env.RAW_SANDBOX_URL ?? '';
if (!queue || !['noop', 'update', 'submit'].includes(mode)) throw new Error('RAW_QUEUE must be set and RAW_MODE be noop, update or submit');
if (mode !== 'noop' && !/^[a-z_]+$/.test(table)) throw new Error(`RAW_MODE=${mode} needs RAW_TABLE, a table name`);
if (mode === 'submit' && !sandbox) throw new Error('RAW_MODE=submit needs RAW_SANDBOX_URL');

const pool = mode !== 'noop' ? new Pool({ connectionString: config.DATABASE_URL, max: config.WORKER_CONCURRENCY }) : undefined;
const UPDATE = `UPDATE ${table} SET status = 'submitted', updated_at = now() WHERE id = $1 AND status = 'pending'`;
const submitter = mode === 'submit' ? new HttpSubmitter(config) : undefined;
const customer = benchCustomer();
/** Nothing to record before the POST: the raw loop has no attempt to fence. */
const openGate: ClickGate = { open: async () => Date.now() + config.SUBMIT_LEASE_MS };

async function submit(directoryId: string, entryId: string): Promise<void> {
  const directory = { id: directoryId, name: directoryId, submitUrl: new URL(`d/${directoryId}/`, sandbox).toString(), adapter: {} } as SubmissionRequest['directory'];
  const values = { ...customer, website: `https://raw-${process.pid}-${entryId}.example` };
  const outcome = await submitter!.submit({ directory, values, attempt: 1, screenshotPath: '' }, openGate);
  if (outcome.kind !== 'submitted') throw new Error(`${directoryId}: ${outcome.message}`);
}

const worker = new Worker<{ resultId: string; directoryId: string }>(
  queue,
  async (job) => {
    if (submitter) await submit(job.data.directoryId, job.id!);
    if (!pool) return;
    const { rowCount } = await pool.query(UPDATE, [job.data.resultId]);
    if (rowCount !== 1) throw new Error(`row ${job.data.resultId} was not pending`);
  },
  {
    connection: redisOptionsFromUrl(config.REDIS_URL, 'worker'),
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.QUEUE_LOCK_MS,
    stalledInterval: config.QUEUE_LOCK_MS,
    maxStalledCount: MAX_STALLED,
  },
);

async function stop(): Promise<void> {
  await worker.close();
  await pool?.end();
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

worker.waitUntilReady().then(
  () => console.log(`worker ${process.pid} started; raw ${mode} on ${queue}`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
