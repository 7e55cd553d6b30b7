export const JOB_STATUSES = ['awaiting_approval', 'queued', 'running', 'paused', 'completed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** An order in one of these is not finished: it counts against its account's open-order limit. */
export const OPEN_JOB_STATUSES = ['awaiting_approval', 'queued', 'running', 'paused'] as const satisfies readonly JobStatus[];

export const PACKAGE_SIZES = [50, 100, 500] as const;
export type PackageSize = (typeof PACKAGE_SIZES)[number];

/**
 * How an order ended (`jobs.outcome`, computed by PostgreSQL: see migrations/…-order-outcome.ts);
 * null until it has. `status` is where the order is in its life, `outcome` what came of it.
 */
export const JOB_OUTCOMES = ['succeeded', 'partially_failed', 'failed', 'needs_review', 'cancelled'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];
