import type { JobView } from '../orders/job-view';
import { orderBadge } from './order-badge';

const progress = { total: 5, submitted: 0, failed: 0, cancelled: 0, needsReview: 0, blocked: 0, pending: 0, percent: 100 };
const badge = (status: JobView['status'], outcome: JobView['outcome'], p: Partial<typeof progress> = {}) =>
  orderBadge({ status, outcome, progress: { ...progress, ...p } });

describe('orderBadge', () => {
  it('names the status while the order runs', () => {
    expect(badge('awaiting_approval', null)).toEqual({ text: 'awaiting approval', tone: 'awaiting_approval' });
    expect(badge('running', null, { submitted: 2, failed: 1, pending: 2 })).toEqual({ text: 'running', tone: 'running' });
  });

  it('says how the order ended, counting failed and blocked directories as failures', () => {
    expect(badge('completed', 'succeeded', { submitted: 5 })).toEqual({ text: 'completed', tone: 'completed' });
    expect(badge('completed', 'partially_failed', { submitted: 2, failed: 2, blocked: 1 })).toEqual({ text: 'completed with 3 failures', tone: 'partially_failed' });
    expect(badge('completed', 'partially_failed', { submitted: 4, blocked: 1 }).text).toBe('completed with 1 failure');
    expect(badge('completed', 'failed', { failed: 5 })).toEqual({ text: 'failed: 0 of 5 submitted', tone: 'failed' });
    expect(badge('completed', 'needs_review', { submitted: 3, needsReview: 2 })).toEqual({ text: 'completed, 2 to review', tone: 'needs_review' });
    expect(badge('cancelled', 'cancelled', { submitted: 1, cancelled: 4 })).toEqual({ text: 'cancelled', tone: 'cancelled' });
  });
});
