/** The fleet's own chores, run by the API processes: no submission ever goes to this queue. */
export const MAINTENANCE_QUEUE = 'maintenance';

/** What the maintenance queue's jobs can ask for (their names). */
export const CHORES = ['retention', 'reconcile', 'requeue-review'] as const;
export type Chore = (typeof CHORES)[number];

/** The retention job scheduler's id: one per fleet, whatever the number of API replicas that set it. */
export const RETENTION_SCHEDULER = 'retention';

/** Which rows awaiting review a `requeue-review` chore resubmits: one order's, one directory's, or all. */
export interface ReviewFilter {
  jobId?: string;
  directoryId?: string;
}

/** Who the ledger records as deciding, for rows resubmitted by the operator command. */
export const OPERATOR_ACTOR = 'operator (npm run boltline -- requeue-review)';
