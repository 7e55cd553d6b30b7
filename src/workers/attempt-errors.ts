import type { Job } from 'bullmq';
import type { SubmitListingPayload } from '../queue/queue.constants';

/**
 * What an attempt throws for its queue entry to act on (queue-verdict.ts), and what it knows of
 * the entry: shared by the service that settles attempts and the hosts that run them.
 */

/** The directory asked to be left alone until `until` (Retry-After): the processor delays the entry without spending an attempt. */
export class RetryLater extends Error {
  constructor(readonly until: Date, message: string) {
    super(message);
  }
}

/** Retry-Afters honoured per queue entry without spending an attempt, and the longest one honoured. */
export const MAX_RETRY_AFTERS = 5;
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The row is not to be touched before `until`; the processor delays the queue entry. */
export class WaitUntil extends Error {
  constructor(readonly until: Date) {
    super(`an earlier attempt may still be submitting; waiting until ${until.toISOString()}`);
  }
}

/** The directory paused itself (its targets went missing): its rows wait until staff resume it. */
export class DirectoryPaused extends Error {}

export interface AttemptInfo {
  /** 1-based BullMQ attempt of this queue entry. */
  attempt: number;
  maxAttempts: number;
  /** How often the worker's browser failed under this queue entry, uncounted, so far. */
  browserFailures?: number;
  /** How often a Retry-After delayed this queue entry, uncounted, so far. */
  retryAfters?: number;
}

/** What a queue entry's attempt is, as SubmissionService counts it, whoever runs it. */
export function attemptInfoOf(entry: Job<SubmitListingPayload>): AttemptInfo {
  return { attempt: entry.attemptsMade + 1, maxAttempts: entry.opts.attempts ?? 1, browserFailures: entry.data.browserFailures ?? 0, retryAfters: entry.data.retryAfters ?? 0 };
}
