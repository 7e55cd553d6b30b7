/** Where an order is in its life. The moves between them are in transitions.ts. */
export const JOB_STATUSES = ['awaiting_approval', 'queued', 'running', 'paused', 'completed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** An order in one of these is not finished: it counts against its account's open-order limit. */
export const OPEN_JOB_STATUSES = ['awaiting_approval', 'queued', 'running', 'paused'] as const satisfies readonly JobStatus[];

/** An order in one of these is being worked on: its rows may be attempted. */
export const ACTIVE_JOB_STATUSES = ['queued', 'running'] as const satisfies readonly JobStatus[];

export const PACKAGE_SIZES = [50, 100, 500] as const;
export type PackageSize = (typeof PACKAGE_SIZES)[number];

/**
 * How an order ended (`jobs.outcome`, computed by PostgreSQL: see migrations/…-order-outcome.ts);
 * null until it has. `status` is where the order is in its life, `outcome` what came of it.
 */
export const JOB_OUTCOMES = ['succeeded', 'partially_failed', 'failed', 'needs_review', 'cancelled'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** Where one directory of an order is (`job_results.status`). */
export const RESULT_STATUSES = [
  'pending',
  /** Clicked, or about to: the outcome is unknown until the attempt records it or a later one verifies. */
  'submitting',
  'submitted',
  'failed',
  'retry',
  'cancelled',
  'needs_review',
  /** The directory's page reached outside the catalogue; final, never retried. */
  'blocked_by_policy',
] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** A row still owed an attempt (when its order is active). */
export const WAITING_ROW_STATUSES = ['pending', 'retry'] as const satisfies readonly ResultStatus[];

/** A row no attempt has finished: waiting, or in a browser's hands. */
export const UNFINISHED_ROW_STATUSES = [...WAITING_ROW_STATUSES, 'submitting'] as const satisfies readonly ResultStatus[];

/**
 * The order's counter each final row status moves (`jobs.<column>`). Their sum never passes
 * `jobs.total` (a CHECK constraint says so too); the order completes when it reaches it.
 */
export const COUNTER_OF = {
  submitted: 'submitted',
  failed: 'failed',
  cancelled: 'cancelled',
  needs_review: 'needs_review',
  blocked_by_policy: 'blocked',
} as const satisfies Partial<Record<ResultStatus, string>>;
export type FinalRowStatus = keyof typeof COUNTER_OF;
export type Counter = (typeof COUNTER_OF)[FinalRowStatus];

export const isFinal = (s: ResultStatus): s is FinalRowStatus => s in COUNTER_OF;
