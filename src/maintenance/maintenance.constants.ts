/** The fleet's own chores, run by the API processes: no submission ever goes to this queue. */
export const MAINTENANCE_QUEUE = 'maintenance';

/** What the maintenance queue's jobs can ask for (their names). */
export const CHORES = ['retention', 'reconcile', 'requeue-review'] as const;
export type Chore = (typeof CHORES)[number];

/** The retention job scheduler's id: one per fleet, whatever the number of API replicas that set it. */
export const RETENTION_SCHEDULER = 'retention';

/**
 * What a `requeue-review` job asks: which rows awaiting review (one order's, one directory's, or
 * all), whether to resubmit them or only count them, and who asked (the operator's user@host).
 */
export interface ReviewRequest {
  jobId?: string;
  directoryId?: string;
  all?: true;
  apply: boolean;
  by: string;
}
