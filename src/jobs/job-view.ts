import { ApiProperty } from '@nestjs/swagger';
import { JOB_OUTCOMES, JobOutcome } from './job-status';
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

/** OpenAPI text for the order view's `outcome`, for its response schema to take in. */
export class JobOutcomeProperty {
  @ApiProperty({
    enum: JOB_OUTCOMES,
    nullable: true,
    description:
      'How the order ended; null until it has (and again while a retry reruns it). succeeded: every directory submitted. ' +
      'partially_failed: some submitted, the others failed or were blocked by policy. failed: none submitted. ' +
      'needs_review: the outcome of some directories is unknown and staff are checking them. cancelled: the order was cancelled.',
  })
  outcome: JobOutcome | null;
}
