import type { Queue, Worker } from 'bullmq';
import type { AppConfig } from '../config/config.schema';
import { IntakeWatch } from './intake-watch';

const STALL = 10_000;

function setUp(opts: { waiting?: number; queuePaused?: boolean; concurrency?: number } = {}) {
  const queue = {
    getJobCounts: async () => ({ wait: opts.waiting ?? 0, prioritized: 0 }),
    isPaused: async () => opts.queuePaused ?? false,
  } as unknown as Queue;
  const worker = { closing: undefined, paused: false, running: true, isPaused() { return this.paused; }, isRunning() { return this.running; } };
  const watch = new IntakeWatch(queue, { WORKER_STALL_MS: STALL, WORKER_CONCURRENCY: opts.concurrency ?? 2 } as AppConfig);
  watch.attach(() => worker as unknown as Worker);
  // Samples a little ahead of the clock, so that they come after the watch was made.
  const t0 = Date.now() + 1000;
  return { watch, worker, t0 };
}

it('is red before the consumer exists, and when it is paused, closing or not running', () => {
  const unattached = new IntakeWatch({} as Queue, { WORKER_STALL_MS: STALL, WORKER_CONCURRENCY: 1 } as AppConfig);
  expect(unattached.stalled()).toBe('the consumer has not started');
  const { watch, worker } = setUp();
  expect(watch.stalled()).toBeUndefined();
  worker.paused = true;
  expect(watch.stalled()).toMatch(/^paused/);
  worker.paused = false;
  worker.running = false;
  expect(watch.stalled()).toBe('the consumer is not running');
  (worker as { closing: unknown }).closing = Promise.resolve();
  expect(watch.stalled()).toBe('shutting down');
});

it('stays green with nothing to take, however long', async () => {
  const { watch, t0 } = setUp({ waiting: 0 });
  await watch.sample(t0);
  expect(watch.stalled(t0 + 100 * STALL)).toBeUndefined();
});

it('turns red once entries have waited WORKER_STALL_MS with a slot free and none taken', async () => {
  const { watch, t0 } = setUp({ waiting: 3 });
  await watch.sample(t0);
  await watch.sample(t0 + STALL / 2); // a later sample does not restart the clock
  expect(watch.stalled(t0 + STALL - 1)).toBeUndefined();
  expect(watch.stalled(t0 + STALL)).toMatch(/^entries have waited 10 s with a slot of this worker free and it took none/);
});

it('a take restarts the clock', async () => {
  const { watch, t0 } = setUp({ waiting: 3 });
  await watch.sample(t0);
  watch.taken();
  watch.done();
  expect(watch.stalled(t0 + STALL)).toBeUndefined();
});

it('is not stalled while every slot is busy, nor while the queue is paused', async () => {
  const busy = setUp({ waiting: 3, concurrency: 1 });
  busy.watch.taken();
  await busy.watch.sample(busy.t0);
  expect(busy.watch.stalled(busy.t0 + STALL)).toBeUndefined();
  busy.watch.done();
  await busy.watch.sample(busy.t0 + 1);
  expect(busy.watch.stalled(busy.t0 + 1 + STALL)).toMatch(/^entries have waited/);

  const paused = setUp({ waiting: 3, queuePaused: true });
  await paused.watch.sample(paused.t0);
  expect(paused.watch.stalled(paused.t0 + STALL)).toBeUndefined();
});
