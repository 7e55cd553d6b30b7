import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isRowId } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { Dispatcher } from '../dispatch/dispatcher.service';
import { LivePublisher } from '../live/live-publisher';
import { decideReview, type ReviewDecision } from '../orders/review';

/**
 * Staff decisions on `needs_review` rows (the rules are the ledger's: src/orders/review.ts), and
 * the list of rows awaiting one.
 */
@Injectable()
export class ReviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dispatcher: Dispatcher,
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

  /**
   * Resubmits every row awaiting review, of one order, one directory, or all (an operator's bulk
   * decision: `npm run boltline -- requeue-review`). Each row is its own decision, in its own
   * transaction, so one refused (its order cancelled, or decided meanwhile) skips only that row.
   */
  async resubmitAwaiting(filter: { jobId?: string; directoryId?: string }, actor: string): Promise<{ requeued: number; skipped: number }> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id::text FROM job_results
        WHERE status = 'needs_review' AND ($1::uuid IS NULL OR job_id = $1) AND ($2::text IS NULL OR directory_id = $2)
        ORDER BY updated_at, id`,
      [filter.jobId ?? null, filter.directoryId ?? null],
    );
    let requeued = 0;
    for (const { id } of rows) {
      try {
        const { jobId } = await this.db.transaction((m) => decideReview(m, id, 'resubmit', actor));
        this.live.publish({ jobId, resultId: id });
        requeued++;
      } catch (err) {
        if (!(err instanceof ProblemException)) throw err;
      }
    }
    if (requeued) this.dispatcher.poke();
    return { requeued, skipped: rows.length - requeued };
  }

  async decide(resultId: string, decision: ReviewDecision, actor: string): Promise<{ jobId: string }> {
    if (!isRowId(resultId)) throw new ProblemException(404, `result ${resultId} not found`);
    const { jobId } = await this.db.transaction((m) => decideReview(m, resultId, decision, actor));
    if (decision === 'resubmit') this.dispatcher.poke();
    this.live.publish({ jobId, resultId });
    return { jobId };
  }
}
