import type { JobView } from '../orders/job-view';

/** An order's status badge: its words, and its colour as a `status-…` class of dashboard.css. */
export interface OrderBadge {
  text: string;
  tone: string;
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What an order's badge says: where it is while it runs, how it ended once it has
 * ("completed with 3 failures"). The pages render it and every live update carries it, so a page
 * kept open says exactly what a reload would.
 */
export function orderBadge(job: Pick<JobView, 'status' | 'outcome' | 'progress'>): OrderBadge {
  const p = job.progress;
  switch (job.outcome) {
    case 'succeeded':
      return { text: 'completed', tone: 'completed' };
    case 'partially_failed':
      return { text: `completed with ${count(p.failed + p.blocked, 'failure')}`, tone: 'partially_failed' };
    case 'failed':
      return { text: `failed: 0 of ${p.total} submitted`, tone: 'failed' };
    case 'needs_review':
      return { text: `completed, ${p.needsReview} to review`, tone: 'needs_review' };
    case 'cancelled':
      return { text: 'cancelled', tone: 'cancelled' };
    default:
      return { text: job.status.replace(/_/g, ' '), tone: job.status };
  }
}
