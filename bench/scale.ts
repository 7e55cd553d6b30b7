import { cpus } from 'node:os';
import { holdOrders, runOrders, startHttpWorkers } from './no-browser';
import type { Figure } from './report';
import { progress } from './progress';
import { runAlone } from './standalone';
import { REPEAT, startBenchStack } from './support';

/**
 * Scale: the no-browser pipeline's submissions/s (bench/pipeline.ts's Boltline figure) with 1, 2
 * and 4 worker processes of the same concurrency, over the same orders. Settings:
 * BENCH_SCALE_CONCURRENCY (4 per worker), BENCH_PIPELINE_ORDERS (4) × BENCH_PIPELINE_SIZE (200).
 */
const PROCESSES = [1, 2, 4];
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 4);
const ORDERS = Number(process.env.BENCH_PIPELINE_ORDERS ?? 4);
const SIZE = Number(process.env.BENCH_PIPELINE_SIZE ?? 200);
/** The target: two worker processes do at least this many times what one does, where cores allow. */
const TWO_OVER_ONE = 1.7;

export async function scaleSection(sandboxUrl: string): Promise<Figure[]> {
  const stack = await startBenchStack(sandboxUrl);
  progress('scale', 'stack up');
  const rates = new Map<number, number[]>(PROCESSES.map((n) => [n, []]));
  try {
    // Repetitions outside, process counts inside (workers start in a second or two): a busy moment
    // of the machine touches every count a little instead of one count a lot.
    for (let r = 0; r < REPEAT; r++) {
      for (const n of PROCESSES) {
        await startHttpWorkers(stack, n, CONCURRENCY);
        await runOrders(stack, await holdOrders(stack, 1, 50)); // warm-up, not measured
        const held = await holdOrders(stack, ORDERS, SIZE);
        const rate = held.submissions / (await runOrders(stack, held)).seconds;
        rates.get(n)!.push(rate);
        progress('scale', `run ${r + 1}/${REPEAT}, ${n} worker${n > 1 ? 's' : ''}: ${rate.toFixed(0)} submissions/s`);
        await stack.stopWorkers();
      }
    }
  } finally {
    await stack.stop();
  }
  const cores = cpus().length;
  // Workers, API, PostgreSQL, Redis and the sandbox share the machine: a second worker process
  // gains a core only where one is idle.
  const crowded = cores < 4 ? `; this machine has ${cores} cores for the workers, API, PostgreSQL, Redis and the sandbox together, so a second worker has no core of its own: the 1.7× target needs more cores` : '';
  return PROCESSES.map((n) => ({
    id: `scale.${n}`,
    section: 'scale',
    measure: `Boltline, HTTP submitter, ${n} worker process${n > 1 ? 'es' : ''} × ${CONCURRENCY}`,
    unit: 'submissions/s',
    samples: rates.get(n) ?? [],
    better: 'higher' as const,
    ...(n === 1
      ? { note: `${ORDERS} orders × ${SIZE} well-behaved directories approved at once, first approval to last completion` }
      : { ceiling: 'scale.1', ...(n === 2 ? { target: TWO_OVER_ONE, note: `ratio: times one process${crowded}` } : { note: 'ratio: times one process' }) }),
  }));
}

if (require.main === module) runAlone(scaleSection);
