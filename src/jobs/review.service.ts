import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isRowId } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { Dispatcher } from '../dispatch/dispatcher.service';
import { LivePublisher } from '../live/live-publisher';
import { decideReview, type ReviewDecision } from '../orders/review';

/** Which rows awaiting review a bulk decision takes: one order's, one directory's, or all. */
export interface AwaitingFilter {
  jobId?: string;
  directoryId?: string;
}
const AWAITING = `r.status = 'needs_review' AND ($1::uuid IS NULL OR r.job_id = $1) AND ($2::text IS NULL OR r.directory_id = $2)`;

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
   * Resolves to the rows resubmitted and the number skipped.
   */
  async resubmitAwaiting(
    filter: AwaitingFilter,
    actor: string,
    /** Runs after each decision (the caller's audit entry), before the next. */
    afterEach: (decided: { resultId: string; jobId: string }) => Promise<void> = async () => undefined,
  ): Promise<{ resubmitted: Array<{ resultId: string; jobId: string }>; skipped: number }> {
    const rows: Array<{ id: string }> = await this.db.query(`SELECT r.id::text FROM job_results r WHERE ${AWAITING} ORDER BY r.updated_at, r.id`, [filter.jobId ?? null, filter.directoryId ?? null]);
    const resubmitted: Array<{ resultId: string; jobId: string }> = [];
    try {
      for (const { id } of rows) {
        try {
          const { jobId } = await this.db.transaction((m) => decideReview(m, id, 'resubmit', actor));
          this.live.publish({ jobId, resultId: id });
          resubmitted.push({ resultId: id, jobId });
          await afterEach({ resultId: id, jobId });
        } catch (err) {
          if (!(err instanceof ProblemException)) throw err;
        }
      }
    } finally {
      if (resubmitted.length) this.dispatcher.poke(); // what was decided is queued, whatever stopped the rest
    }
    return { resubmitted, skipped: rows.length - resubmitted.length };
  }

  /** What resubmitAwaiting would do now: rows it would resubmit, and those of cancelled orders it would skip. */
  async countAwaiting(filter: AwaitingFilter): Promise<{ would_resubmit: number; would_skip: number }> {
    const [counts] = await this.db.query(
      `SELECT count(*) FILTER (WHERE j.status <> 'cancelled')::int AS would_resubmit, count(*) FILTER (WHERE j.status = 'cancelled')::int AS would_skip
         FROM job_results r JOIN jobs j ON j.id = r.job_id WHERE ${AWAITING}`,
      [filter.jobId ?? null, filter.directoryId ?? null],
    );
    return counts;
  }

  async decide(resultId: string, decision: ReviewDecision, actor: string): Promise<{ jobId: string }> {
    if (!isRowId(resultId)) throw new ProblemException(404, `result ${resultId} not found`);
    const { jobId } = await this.db.transaction((m) => decideReview(m, resultId, decision, actor));
    if (decision === 'resubmit') this.dispatcher.poke();
    this.live.publish({ jobId, resultId });
    return { jobId };
  }
}
