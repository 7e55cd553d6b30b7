import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/config.schema';

/** Every queue Boltline uses. Bull Board and the workers read this list too. */
export const SUBMISSION_QUEUE = 'submissions';
/**
 * Submissions to directories whose definition says `assisted: true` (a person finishes the form):
 * no processor consumes this queue; only workers that lease with the `assisted` capability (the
 * staff browser extension) take from it. Same job ids and options as SUBMISSION_QUEUE.
 */
export const ASSISTED_QUEUE = 'assisted';
export const QUEUE_NAMES = [SUBMISSION_QUEUE, ASSISTED_QUEUE] as const;
export type SubmissionQueueName = (typeof QUEUE_NAMES)[number];
/** The queue a directory's submissions go to. */
export const queueFor = (assisted: boolean): SubmissionQueueName => (assisted ? ASSISTED_QUEUE : SUBMISSION_QUEUE);
/** Times a submission's entry may be found held by a worker that died (or a lease that lapsed) before BullMQ fails it. */
export const MAX_STALLED = 5;

/** Job name of a directory submission; its payload is {@link SubmitListingPayload}. */
export const SUBMIT_LISTING = 'submit-listing';

/** Ids only: customer details stay in PostgreSQL, never in Redis. */
export interface SubmitListingPayload {
  resultId: string;
  generation: number;
  jobId: string;
  directoryId: string;
  /** The id of the request that opened the order: every log line about this entry carries it. */
  requestId?: string;
  /** Times the worker's browser failed under this entry, each not counted as an attempt (bounded). */
  browserFailures?: number;
  /** Set once the entry waited for its paused directory (its row's log says so once). */
  waitedForResume?: boolean;
  /** How often the directory answered "not now" with a Retry-After under this entry, uncounted, so far. */
  retryAfters?: number;
  /** The due time of the entry's current delay, when it is to be put at the front of its priority then (src/workers/queue-place.ts). */
  frontAt?: number;
}

/**
 * Order priority is 1 (most urgent) .. 4 (least); BullMQ runs lower numbers sooner as well, so the
 * mapping is the identity. Kept as a function so the two scales can drift apart in one place.
 */
export function bullPriority(orderPriority: number): number {
  return orderPriority;
}

/**
 * BullMQ job id of one directory submission: derived from the database row so that enqueueing twice
 * never duplicates, and from its generation so a row queued again (resume, retry) gets a fresh entry.
 * BullMQ forbids ':' in custom ids.
 */
export function submissionJobId(resultId: string, generation: number): string {
  return `r${resultId}-g${generation}`;
}

export function submissionJobOptions(config: AppConfig, orderPriority: number): JobsOptions {
  return {
    priority: bullPriority(orderPriority),
    attempts: config.SUBMIT_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.SUBMIT_BACKOFF_MS },
    // Keep finished entries for a day: long enough for Bull Board and for id de-duplication.
    removeOnComplete: { age: 24 * 3600, count: 50_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
