import { SUBMISSION_QUEUE, SUBMIT_LISTING, submissionJobId, submissionJobOptions } from '../src/queue/queue.constants';
import { loadConfig } from '../src/config/config.schema';
import { waitFor } from '../harness/wait';
import { BENCH_PRIORITY, type CpuGroup, holdOrders, type Run, runOrders, type RawWorkers, stackQueue, startHttpWorkers, startRawWorkers } from './no-browser';
import { type Figure, median, percentile } from './report';
import { progress } from './progress';
import { runAlone } from './standalone';
import { benchCustomer, type BenchStack, REPEAT, startBenchStack, wellBehavedDirectories } from './support';

/**
 * The pipeline without a browser: submissions/s through the whole path from approval (outbox,
 * relay, BullMQ, SubmissionProcessor, fenced writes, counters, live notices; the orders are
 * created on hold beforehand) with workers whose
 * submitter posts the form over HTTP (bench/http-worker.ts), beside raw BullMQ workers with the
 * same processes and concurrency doing nothing, or one conditional UPDATE, per job. Then, with
 * every worker idle, how long a submission waits to start. Settings: BENCH_PIPELINE_WORKERS (2),
 * BENCH_PIPELINE_CONCURRENCY (4 per worker), BENCH_PIPELINE_ORDERS (4) × BENCH_PIPELINE_SIZE (200
 * directories), BENCH_LATENCY_ORDERS (100 one-directory orders per repetition).
 */
const WORKERS = Number(process.env.BENCH_PIPELINE_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? 4);
const ORDERS = Number(process.env.BENCH_PIPELINE_ORDERS ?? 4);
const SIZE = Number(process.env.BENCH_PIPELINE_SIZE ?? 200);
const LATENCY_ORDERS = Number(process.env.BENCH_LATENCY_ORDERS ?? 100);
/** The issue's bound on enqueue-to-start with idle workers. */
const START_P50_MS = 20;
/** Polls for one submission's end: short, the workers are idle and the readings are milliseconds. */
const LATENCY_POLL_MS = 5;

export async function pipelineSection(sandboxUrl: string): Promise<Figure[]> {
  const stack = await startBenchStack(sandboxUrl);
  const raws: RawWorkers[] = [];
  try {
    await startHttpWorkers(stack, WORKERS, CONCURRENCY);
    const noop = await startRawWorkers(stack, 'noop', WORKERS, CONCURRENCY);
    raws.push(noop);
    const update = await startRawWorkers(stack, 'update', WORKERS, CONCURRENCY);
    raws.push(update);
    const submit = await startRawWorkers(stack, 'submit', WORKERS, CONCURRENCY, sandboxUrl);
    raws.push(submit);

    // Warm-up, not measured: JIT, connection pools, the workers' directory cache.
    const warm = await holdOrders(stack, 1, 50);
    await runOrders(stack, warm);
    await noop.run(warm.ids);
    await update.run(warm.ids);
    await submit.run(warm.ids);

    const runs = { boltline: [] as Run[], noop: [] as Run[], update: [] as Run[], submit: [] as Run[] };
    for (let r = 0; r < REPEAT; r++) {
      const held = await holdOrders(stack, ORDERS, SIZE);
      runs.boltline.push(await runOrders(stack, held));
      // The same number of jobs, over copies of the rows Boltline just wrote.
      runs.noop.push(await noop.run(held.ids));
      runs.update.push(await update.run(held.ids));
      runs.submit.push(await submit.run(held.ids));
      const rate = (rs: Run[]) => (held.submissions / rs[r].seconds).toFixed(0);
      progress('pipeline', `run ${r + 1}/${REPEAT}: Boltline ${rate(runs.boltline)}/s, raw no-op ${rate(runs.noop)}/s, update ${rate(runs.update)}/s, form + update ${rate(runs.submit)}/s`);
    }
    const latency = { start: [] as number[][], queue: [] as number[][], raw: [] as number[][] };
    for (let r = 0; r < REPEAT; r++) {
      const b = await boltlineLatency(stack, LATENCY_ORDERS);
      latency.start.push(b.start);
      latency.queue.push(b.queue);
      latency.raw.push(await rawLatency(noop, LATENCY_ORDERS));
      progress('pipeline', `latency ${r + 1}/${REPEAT}: approve → started p50 ${percentile(b.start, 50).toFixed(1)} ms`);
    }
    return figures(runs, latency);
  } finally {
    for (const raw of raws) await raw.stop().catch((err: unknown) => console.error(`pipeline: a raw worker did not stop: ${String(err)}`));
    await stack.stop();
  }
}

function figures(runs: Record<'boltline' | 'noop' | 'update' | 'submit', Run[]>, latency: Record<'start' | 'queue' | 'raw', number[][]>): Figure[] {
  const n = ORDERS * SIZE;
  const slots = `${WORKERS} processes × ${CONCURRENCY}`;
  const rate = (rs: Run[]) => rs.map((r) => n / r.seconds);
  const cpuMs = (rs: Run[]) => rs.map((r) => (r.cpuSeconds / n) * 1000);
  const p = (xs: number[][], q: number) => xs.map((x) => percentile(x, q));
  const section = 'pipeline';
  const perSubmission = (g: CpuGroup) => median(runs.boltline.map((r) => ((r.cpuBy?.[g] ?? 0) / n) * 1000));
  const groups: Array<[CpuGroup, string]> = [['workers', 'workers'], ['api', 'API'], ['postgres', 'PostgreSQL'], ['redis', 'Redis']];
  const rest = median(cpuMs(runs.boltline)) - groups.reduce((sum, [g]) => sum + perSubmission(g), 0);
  const split = `${groups.map(([g, name]) => `${name} ${perSubmission(g).toFixed(1)}`).join(', ')}, the rest (the sandbox answering the forms, the bench) ${rest.toFixed(1)} ms`;
  const startNote = `from sending POST /jobs/:id/approve to the row's started_at (the worker's claim), ${LATENCY_ORDERS} one-directory orders one after another, workers idle: API request, outbox relay, BullMQ, processor admission`;
  const queueNote = "BullMQ job.timestamp (the dispatcher's addBulk) → processedOn (a worker took it), same orders; BullMQ stamps whole milliseconds, so no ratio";
  return [
    {
      id: 'pipeline.boltline', section, measure: `Boltline, HTTP submitter, ${slots}`, unit: 'submissions/s', samples: rate(runs.boltline), better: 'higher',
      ceiling: 'pipeline.raw-update', target: 0.5,
      note: `${ORDERS} orders × ${SIZE} well-behaved directories approved at once, first approval to last order completed; each submission GETs the sandbox form and POSTs it (no browser)`,
    },
    {
      id: 'pipeline.raw-update', section, measure: `raw BullMQ + one conditional UPDATE per job, ${slots}`, unit: 'jobs/s', samples: rate(runs.update), better: 'higher',
      ceiling: 'pipeline.raw-noop', note: `${n} jobs added with addBulk like the dispatcher; UPDATE … WHERE id = $1 AND status = 'pending' on a copy of job_results`,
    },
    { id: 'pipeline.raw-noop', section, measure: `raw BullMQ, no-op, ${slots}`, unit: 'jobs/s', samples: rate(runs.noop), better: 'higher', note: `${n} jobs` },
    {
      id: 'pipeline.raw-submit', section, measure: `raw BullMQ + the same form GET and POST + one UPDATE, ${slots}`, unit: 'jobs/s', samples: rate(runs.submit), better: 'higher',
      note: `what no pipeline can avoid with this submitter; Boltline does ${Math.round((median(rate(runs.boltline)) / median(rate(runs.submit))) * 100)} % of it`,
    },
    {
      id: 'pipeline.boltline-cpu', section, measure: 'Boltline, machine CPU per submission', unit: 'ms', samples: cpuMs(runs.boltline), better: 'lower',
      ceiling: 'pipeline.raw-submit-cpu', note: `every process's busy CPU over the run per submission, the sandbox's answers included as in its ceiling; medians: ${split}`,
    },
    { id: 'pipeline.raw-update-cpu', section, measure: 'raw BullMQ + UPDATE, machine CPU per job', unit: 'ms', samples: cpuMs(runs.update), better: 'lower' },
    { id: 'pipeline.raw-submit-cpu', section, measure: 'raw BullMQ + form + UPDATE, machine CPU per job', unit: 'ms', samples: cpuMs(runs.submit), better: 'lower', note: 'the sandbox answering the forms included' },
    { id: 'pipeline.start-p50', section, measure: 'Boltline, approve → attempt started, p50', unit: 'ms', samples: p(latency.start, 50), better: 'lower', bound: START_P50_MS, note: startNote },
    { id: 'pipeline.start-p99', section, measure: 'Boltline, approve → attempt started, p99', unit: 'ms', samples: p(latency.start, 99), better: 'lower', note: 'same orders' },
    { id: 'pipeline.queue-p50', section, measure: 'Boltline, queued → taken by a worker, p50', unit: 'ms', samples: p(latency.queue, 50), better: 'lower', note: queueNote },
    { id: 'pipeline.queue-p99', section, measure: 'Boltline, queued → taken by a worker, p99', unit: 'ms', samples: p(latency.queue, 99), better: 'lower', note: 'same orders' },
    { id: 'pipeline.raw-queue-p50', section, measure: 'raw BullMQ, queued → taken, p50', unit: 'ms', samples: p(latency.raw, 50), better: 'lower', note: `${LATENCY_ORDERS} jobs added one at a time, raw no-op workers idle` },
    { id: 'pipeline.raw-queue-p99', section, measure: 'raw BullMQ, queued → taken, p99', unit: 'ms', samples: p(latency.raw, 99), better: 'lower' },
  ];
}

/**
 * One-directory orders one after another, each approved once the previous completed (every
 * worker idle): per order, approve → the row's started_at, and the queue entry's timestamp →
 * processedOn. Times are epoch milliseconds of one machine's clock (bench, API, workers, PostgreSQL).
 */
async function boltlineLatency(stack: BenchStack, n: number): Promise<{ start: number[]; queue: number[] }> {
  const queue = stackQueue(stack, SUBMISSION_QUEUE);
  const start: number[] = [];
  const waited: number[] = [];
  try {
    const customer = await stack.post('/customers', benchCustomer());
    for (const directoryId of wellBehavedDirectories(n)) {
      const order = await stack.post('/jobs', { customerId: customer.id, directoryIds: [directoryId], priority: BENCH_PRIORITY });
      const approved = Date.now();
      await stack.post(`/jobs/${order.id}/approve`);
      const row = await waitFor(`one-directory order ${order.id} to complete`, async () => {
        const [r]: Array<{ id: string; generation: number; started: number; done: boolean }> = await stack.db.dataSource.query(
          `SELECT r.id::text, r.generation, extract(epoch FROM r.started_at) * 1000 AS started, j.status = 'completed' AS done
             FROM job_results r JOIN jobs j ON j.id = r.job_id WHERE r.job_id = $1`,
          [order.id],
        );
        return r?.done ? r : undefined;
      }, { timeoutMs: 60_000, intervalMs: LATENCY_POLL_MS });
      const entry = await queue.getJob(submissionJobId(row.id, row.generation));
      if (!entry?.processedOn) throw new Error(`queue entry of row ${row.id} not found or never processed`);
      start.push(Number(row.started) - approved);
      waited.push(entry.processedOn - entry.timestamp);
    }
    return { start, queue: waited };
  } finally {
    await queue.close();
  }
}

/** The same reading for raw no-op workers: one job added at a time, each once the previous completed. */
async function rawLatency(raw: RawWorkers, n: number): Promise<number[]> {
  const opts = submissionJobOptions(loadConfig(), BENCH_PRIORITY);
  const waited: number[] = [];
  const run = `${Date.now()}`;
  for (let i = 0; i < n; i++) {
    const id = `latency-${run}-${i}`;
    await raw.queue.add(SUBMIT_LISTING, { resultId: id, generation: 1, jobId: id, directoryId: id }, { ...opts, jobId: id });
    const entry = await waitFor(`raw job ${id}`, async () => {
      const job = await raw.queue.getJob(id);
      return job?.finishedOn ? job : undefined;
    }, { timeoutMs: 60_000, intervalMs: LATENCY_POLL_MS });
    waited.push(entry.processedOn! - entry.timestamp);
  }
  return waited;
}

if (require.main === module) runAlone(pipelineSection);
