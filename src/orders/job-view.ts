import type { Job } from './job.entity';

/** What the API says about an order: the row plus its progress in one shape. */
export function jobView(job: Job) {
  const done = job.submitted + job.failed + job.cancelled + job.needsReview + job.blocked;
  return {
    id: job.id,
    type: job.type,
    customerId: job.customerId,
    packageSize: job.packageSize,
    priority: job.priority,
    status: job.status,
    outcome: job.outcome,
    attempts: job.attempts,
    error: job.error,
    metadata: job.metadata,
    requestId: job.requestId,
    progress: {
      total: job.total,
      submitted: job.submitted,
      failed: job.failed,
      cancelled: job.cancelled,
      needsReview: job.needsReview,
      blocked: job.blocked,
      pending: job.total - done,
      percent: job.total === 0 ? 100 : Math.floor((done * 100) / job.total),
    },
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    updatedAt: job.updatedAt,
  };
}
export type JobView = ReturnType<typeof jobView>;

