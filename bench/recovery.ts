import IORedis from 'ioredis';
import { loadConfig } from '../src/config/config.schema';
import { readFleet } from '../src/live/fleet';
import { redisOptionsFromUrl } from '../src/queue/redis-options';
import { SUBMISSION_QUEUE } from '../src/queue/queue.constants';
import { waitFor } from '../harness/wait';
import { holdOrders, POLL_MS, runOrders, stackQueue, startHttpWorkers } from './no-browser';
import type { Figure } from './report';
import { progress } from './progress';
import { runAlone } from './standalone';
import { REPEAT, startBenchStack } from './support';

/**
 * Recovery: two HTTP-submitter workers share an order; one is SIGKILLed in the middle of it. How
 * long until the submissions it held are taken up again by the other, and until the order
 * completed. BullMQ's stalled-job check moves an entry when it finds it unlocked after an earlier
 * check marked it; the dead worker's locks expire after QUEUE_LOCK_MS, and one check per
 * QUEUE_LOCK_MS runs fleet-wide, so a check the victim ran just before it died makes the
 * survivor's next one a no-op: one to three intervals in all. REPEAT kills, each on an order of
 * its own; a new worker replaces the killed one afterwards, as a supervisor would. Settings:
 * BENCH_RECOVERY_CONCURRENCY (4 per worker), BENCH_RECOVERY_SIZE (200 directories).
 */
const CONCURRENCY = Number(process.env.BENCH_RECOVERY_CONCURRENCY ?? 4);
const SIZE = Number(process.env.BENCH_RECOVERY_SIZE ?? 200);
/** After the kill, the victim's entries that had just ended have finished: those still active then are its orphans. */
const SETTLE_MS = 1000;
/** Kills that found the victim between entries (nothing held) are tried again, up to this many in all. */
const MAX_KILLS = 2;

export async function recoverySection(sandboxUrl: string): Promise<Figure[]> {
  const stack = await startBenchStack(sandboxUrl);
  const queue = stackQueue(stack, SUBMISSION_QUEUE);
  const redis = new IORedis(redisOptionsFromUrl(stack.env.REDIS_URL ?? loadConfig().REDIS_URL, 'producer'));
  const takenUp: number[] = [];
  const completed: number[] = [];
  let held = 0;
  try {
    await startHttpWorkers(stack, 2, CONCURRENCY);
    await runOrders(stack, await holdOrders(stack, 1, 50)); // warm-up, not measured
    for (let tries = 0; takenUp.length < REPEAT && tries < REPEAT * MAX_KILLS; tries++) {
      const order = await holdOrders(stack, 1, SIZE);
      const [id] = order.ids;
      await stack.post(`/jobs/${id}/approve`);
      await waitFor('a quarter of the order submitted', async () => {
        const [{ submitted }] = await stack.db.dataSource.query(`SELECT submitted FROM jobs WHERE id = $1`, [id]);
        return submitted >= SIZE / 4;
      }, { timeoutMs: 120_000, intervalMs: POLL_MS });
      const victim = stack.workers.shift()!;
      // The victim's slots by its heartbeat (rewritten whenever a slot starts or ends), so that a
      // survivor's entry that happens to be slow is never counted as the victim's.
      const slots = (await readFleet(redis, stack.env.QUEUE_PREFIX)).filter((b) => b.pid === victim.child.pid).flatMap((b) => b.slots.map((x) => x.resultId));
      const before = new Map((await queue.getActive()).filter((j) => slots.includes(j.data.resultId)).map((j) => [j.id, j.processedOn]));
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const orphans = (await queue.getActive()).filter((j) => before.has(j.id) && before.get(j.id) === j.processedOn).map((j) => j.id!);
      if (orphans.length) {
        held += orphans.length;
        const last = await waitFor(`the killed worker's ${orphans.length} entries to be taken up again`, async () => {
          const jobs = await Promise.all(orphans.map((o) => queue.getJob(o)));
          const again = jobs.map((j) => (j?.processedOn && j.processedOn > killedAt ? j.processedOn : undefined));
          return again.every((t) => t !== undefined) ? Math.max(...(again as number[])) : undefined;
        }, { timeoutMs: 10 * 60_000, intervalMs: 100 });
        takenUp.push((last - killedAt) / 1000);
        progress('recovery', `kill ${takenUp.length}/${REPEAT}: ${orphans.length} held entries taken up again after ${takenUp[takenUp.length - 1].toFixed(1)} s`);
      }
      await waitFor(`order ${id} to complete`, async () => {
        const [j] = await stack.db.dataSource.query(`SELECT status, submitted FROM jobs WHERE id = $1`, [id]);
        return j.status === 'completed' ? j : undefined;
      }, { timeoutMs: 10 * 60_000, intervalMs: 100 });
      if (orphans.length) completed.push((Date.now() - killedAt) / 1000);
      await startHttpWorkers(stack, 1, CONCURRENCY);
    }
  } finally {
    await queue.close();
    redis.disconnect();
    await stack.stop();
  }
  const lockMs = loadConfig().QUEUE_LOCK_MS;
  const how = `2 workers × ${CONCURRENCY}, one SIGKILLed a quarter into a ${SIZE}-directory order; ${takenUp.length} kills, ${held} entries held; QUEUE_LOCK_MS ${lockMs} (lock and stalled-check interval)`;
  return [
    { id: 'recovery.taken-up', section: 'recovery', measure: "SIGKILLed worker's submissions taken up again", unit: 's', samples: takenUp, better: 'lower', note: `kill → the last of them started again on the survivor: one to three QUEUE_LOCK_MS, by where the stalled checks stood at the kill (a check the victim ran last holds the survivor's off for one interval); ${how}` },
    { id: 'recovery.completed', section: 'recovery', measure: 'SIGKILL → its order completed', unit: 's', samples: completed, better: 'lower', note: 'the held rows verified at the directory where they may have clicked' },
  ];
}

if (require.main === module) runAlone(recoverySection);
