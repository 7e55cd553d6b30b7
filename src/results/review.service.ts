import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isRowId } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { enqueueOrder } from '../dispatch/outbox';
import { OutboxRelay } from '../dispatch/outbox-relay.service';
import { completeIfDone } from '../jobs/job-actions.service';
import { recordJobEvent } from '../jobs/job-events';
import { LivePublisher } from '../live/live-publisher';
import { lockOrderOf } from './results.service';

/** What staff may decide about a result whose outcome a crash left unknown. */
export const REVIEW_DECISIONS = ['submitted', 'failed', 'resubmit'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/**
 * Staff decisions on `needs_review` rows: the directory was checked by a person and the listing
 * is there (submitted) or is not and should stay so (failed), or it should be submitted again
 * (resubmit: the row is queued afresh). Each decision moves the order's counters in the same
 * transaction and lands in the row's log and the order's timeline.
 */
@Injectable()
export class ReviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly live: LivePublisher,
  ) {}

  /** Rows awaiting a decision, oldest first, with what staff need to check the directory. */
  awaiting(limit = 200) {
    return this.db.query(
      `SELECT r.id::text, r.job_id AS "jobId", r.directory_id AS "directoryId", d.name AS "directoryName", d.submit_url AS "submitUrl",
              c.business_name AS "businessName", r.attempts, r.error_message AS "errorMessage", r.updated_at AS "updatedAt",
              r.screenshot_path IS NOT NULL AS "hasScreenshot"
         FROM job_results r JOIN jobs j ON j.id = r.job_id JOIN customers c ON c.id = j.customer_id JOIN directories d ON d.id = r.directory_id
        WHERE r.status = 'needs_review' ORDER BY r.updated_at LIMIT $1`,
      [limit],
    );
  }

  async decide(resultId: string, decision: ReviewDecision, actor: string): Promise<{ jobId: string }> {
    if (!isRowId(resultId)) throw new ProblemException(404, `result ${resultId} not found`);
    const jobId = await this.db.transaction(async (m) => {
      // Order first, then row: the lock order every writer of these tables keeps.
      const job = await lockOrderOf(m, resultId);
      if (!job) throw new ProblemException(404, `result ${resultId} not found`);
      const [row]: Array<{ status: string }> = await m.query(`SELECT status FROM job_results WHERE id = $1 FOR UPDATE`, [resultId]);
      if (row.status !== 'needs_review') throw new ProblemException(409, `result ${resultId} is ${row.status}, not awaiting review`);
      if (decision === 'resubmit' && job.status === 'cancelled') {
        throw new ProblemException(409, 'the order is cancelled: mark the result submitted or failed instead');
      }
      const entry = JSON.stringify([{ at: new Date().toISOString(), attempt: 0, event: `staff review: ${decision}`, detail: actor }]);
      if (decision === 'resubmit') {
        await m.query(
          `UPDATE job_results SET status = 'pending', generation = generation + 1, attempt_token = NULL, error_message = NULL,
                  finished_at = NULL, response_log = response_log || $2::jsonb, updated_at = now() WHERE id = $1`,
          [resultId, entry],
        );
        // A completed order is open again; a paused one stays paused and takes the row on resume.
        await m.query(
          `UPDATE jobs SET needs_review = needs_review - 1, completed_at = NULL, updated_at = now(),
                  status = CASE WHEN status = 'completed' THEN 'running' ELSE status END WHERE id = $1`,
          [job.id],
        );
        if (job.status !== 'paused') await enqueueOrder(m, job.id);
      } else {
        const counter = decision === 'submitted' ? 'submitted' : 'failed';
        await m.query(
          `UPDATE job_results SET status = $2, response_log = response_log || $3::jsonb, updated_at = now(),
                  submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,
                  error_message = CASE WHEN $2 = 'submitted' THEN NULL ELSE 'marked failed by staff after review' END
            WHERE id = $1`,
          [resultId, decision, entry],
        );
        await m.query(`UPDATE jobs SET needs_review = needs_review - 1, ${counter} = ${counter} + 1, updated_at = now() WHERE id = $1`, [job.id]);
        await completeIfDone(m, job.id);
      }
      await recordJobEvent(m, job.id, 'reviewed', { resultId, decision, by: actor });
      return job.id;
    });
    if (decision === 'resubmit') this.relay.poke();
    this.live.publish({ jobId, resultId });
    return { jobId };
  }
}
