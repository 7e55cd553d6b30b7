import { isDatabaseUnavailable } from '../common/pg-errors';
import { BrowserFailed } from '../engine/listing-submitter';
import type { Job, Queue } from 'bullmq';
import type { Metrics } from '../metrics/metrics';
import type { ResultsService } from '../results/results.service';
import type { SubmitListingPayload } from '../queue/queue.constants';
import { DirectoryPaused, RetryLater, WaitUntil } from './attempt-errors';
import { toFrontWhenDue } from './queue-place';

/** How long a submission waits when PostgreSQL does not answer. */
const DATABASE_RETRY_MS = 2000;
/** How often a paused directory's queue entries look whether staff resumed it. */
const PAUSED_RECHECK_MS = 5000;
/** How long a submission waits after the worker's browser failed under it (a new one starts meanwhile). */
const BROWSER_RETRY_MS = 2000;

/**
 * What the queue entry must do after an attempt threw, the same for every host (this process's
 * processor, the lease API for remote workers). `delay`: back to the queue until `until`, without
 * spending an attempt, with `data` merged into the entry and `note` added to the row's log, and
 * with `keepPlace` at the front of its priority when due (it had its turn already); `fail`: an
 * attempt spent, BullMQ retries with backoff (or not, for an UnrecoverableError).
 * Nothing waits in a worker's slot: a slot held while nothing happens is a form not filled.
 */
/** Why an entry goes back to wait without using up an attempt (counted in boltline_submission_requeues_total). */
export type RequeueReason = 'directory_paused' | 'verify_later' | 'browser_failed' | 'retry_after' | 'database_unavailable';

export type Verdict =
  | { kind: 'delay'; reason: RequeueReason; until: number; keepPlace?: boolean; data?: Partial<SubmitListingPayload>; note?: { event: string; detail: string }; warn?: string }
  | { kind: 'fail'; err: Error };

export function verdictOf(err: unknown, data: SubmitListingPayload): Verdict {
  // The directory paused itself (its form changed): the entry waits, uncounted, until staff resume
  // it, behind the others (it comes back to look every few seconds, and must not crowd them out).
  if (err instanceof DirectoryPaused) {
    const first = !data.waitedForResume;
    return {
      kind: 'delay',
      reason: 'directory_paused',
      until: Date.now() + PAUSED_RECHECK_MS,
      data: first ? { waitedForResume: true } : undefined,
      note: first ? { event: 'waiting: the directory is paused until staff resume it', detail: err.message } : undefined,
    };
  }
  // An earlier attempt may still be answered: look again then, from the queue, not from a slot.
  // Bounded by the click lease plus one step timeout.
  if (err instanceof WaitUntil) return { kind: 'delay', reason: 'verify_later', until: err.until.getTime() + 100, keepPlace: true };
  // The worker's browser failed (the service gave the row its attempt back): again later,
  // without spending an attempt, counted on the entry so that it is bounded.
  if (err instanceof BrowserFailed) {
    return { kind: 'delay', reason: 'browser_failed', until: Date.now() + BROWSER_RETRY_MS, keepPlace: true, data: { browserFailures: (data.browserFailures ?? 0) + 1 }, warn: `${err.message}; queued again, not counted as an attempt` };
  }
  // The directory said when to come back (Retry-After): the entry waits until then, uncounted.
  if (err instanceof RetryLater) return { kind: 'delay', reason: 'retry_after', until: err.until.getTime(), keepPlace: true, data: { retryAfters: (data.retryAfters ?? 0) + 1 }, warn: err.message };
  // Not the submission's fault either: come back later without spending an attempt.
  if (isDatabaseUnavailable(err)) return { kind: 'delay', reason: 'database_unavailable', until: Date.now() + DATABASE_RETRY_MS, keepPlace: true };
  return { kind: 'fail', err: err instanceof Error ? err : new Error(String(err)) };
}

/**
 * Sends an entry of `queue` back as a `delay` verdict says: its note on the row, its data merged,
 * and the entry delayed until then, uncounted (but counted in the metrics, by its reason). The same
 * for the processor and the lease API.
 */
export async function delayEntry(
  queue: Queue<SubmitListingPayload>,
  entry: Job<SubmitListingPayload>,
  token: string | undefined,
  verdict: Extract<Verdict, { kind: 'delay' }>,
  { results, metrics }: { results: Pick<ResultsService, 'note'>; metrics: Pick<Metrics, 'requeues'> },
): Promise<void> {
  metrics.requeues.inc({ reason: verdict.reason });
  if (verdict.note) await results.note(entry.data.resultId, entry.data.jobId, verdict.note.event, verdict.note.detail);
  const frontAt = verdict.keepPlace ? verdict.until : undefined;
  if (verdict.data || frontAt !== entry.data.frontAt) await entry.updateData({ ...entry.data, ...verdict.data, frontAt });
  await entry.moveToDelayed(verdict.until, token);
  if (frontAt) toFrontWhenDue(queue, entry.id!, frontAt);
}

/** Copies an entry into another submission queue with its id, priority and options (its directory's definition changed sides). */
export async function copyEntry(entry: Job<SubmitListingPayload>, to: Queue<SubmitListingPayload>): Promise<void> {
  // entry.priority, not opts.priority: staff may have changed it since the entry was added.
  await to.add(entry.name, entry.data, { ...entry.opts, priority: entry.priority || entry.opts.priority, jobId: entry.id });
}
