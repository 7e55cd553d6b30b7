import type { Job, Queue } from 'bullmq';
import type { SubmitListingPayload } from '../queue/queue.constants';

/**
 * Where BullMQ puts an entry back in the queue, and where Boltline wants it:
 * - a dead worker's entry (or a lapsed lease's) goes onto BullMQ's wait list, which workers take
 *   before any prioritized entry: it would jump every priority staff set. {@link toFront} moves it
 *   to the front of its own priority instead;
 * - a delayed entry, once due (a retry after its backoff, a `delay` verdict), goes behind
 *   everything queued at its priority since: having had its turn, it would wait out the whole
 *   backlog a second time. {@link toFrontWhenDue} moves it to the front of its priority.
 * Entries moved to the front share one place: among themselves BullMQ takes them by job id (as
 * text), not by who came first.
 */

/** How often a due entry is looked at until BullMQ has moved it out of the delayed set. */
const LOOK_MS = 250;
/** After this long past due, an entry still delayed (no worker asked for work meanwhile) is left where BullMQ puts it. */
const GIVE_UP_MS = 60_000;

/** Moves a waiting entry to the front of its priority; false when it was not waiting (taken, delayed, gone). */
export async function toFront(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId).catch(() => undefined);
  return job ? frontOf(job) : false;
}

async function frontOf(job: Job): Promise<boolean> {
  // job.priority, not opts.priority: staff may have changed it since the job was added.
  const priority = job.priority || job.opts.priority;
  const state = await job.getState().catch(() => 'unknown');
  if (!priority || (state !== 'waiting' && state !== 'prioritized')) return false;
  await job.changePriority({ priority, lifo: true }).catch(() => undefined);
  return true;
}

/**
 * Puts a delayed entry at the front of its priority once it is due. The entry's data carries the
 * due time (`frontAt`) it was given; a later delay of the same entry replaces or clears it, and
 * this look, no longer the entry's, then does nothing. BullMQ moves the entry out of the delayed
 * set itself when a worker next asks for work; this process looks from `due` on until it has.
 * Best effort: if this process is gone by then, the entry still runs, only at the back.
 */
export function toFrontWhenDue(queue: Queue<SubmitListingPayload>, jobId: string, due: number): void {
  const look = async (): Promise<void> => {
    const job = await queue.getJob(jobId);
    if (job?.data.frontAt !== due) return;
    if (await frontOf(job)) return;
    if ((await job.getState()) === 'delayed' && Date.now() < due + GIVE_UP_MS) later(look, LOOK_MS);
  };
  later(look, Math.max(0, due - Date.now()));
}

const later = (f: () => Promise<void>, ms: number) => setTimeout(() => void f().catch(() => undefined), ms).unref();

/** After an attempt failed, BullMQ retries the entry after its backoff: at the front of its priority, as it had its turn. */
export async function keepPlaceOnRetry(queue: Queue<SubmitListingPayload>, entry: Job<SubmitListingPayload> | undefined): Promise<void> {
  // BullMQ has counted the attempt and set `delay` to the backoff by the time it reports the failure.
  if (!entry?.id || !(entry.delay > 0) || entry.attemptsMade >= (entry.opts.attempts ?? 1)) return;
  const due = Date.now() + entry.delay;
  await entry.updateData({ ...entry.data, frontAt: due });
  toFrontWhenDue(queue, entry.id, due);
}
