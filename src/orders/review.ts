import type { EntityManager } from 'typeorm';
import { ProblemException } from '../common/problem.filter';
import { completeIfDone, countRows, lockOrderOfRow, moveOrder } from './ledger';
import { enqueueOrder } from './outbox';
import { recordJobEvent } from './timeline';
import type { ResultStatus } from './statuses';

/** What staff may decide about a result whose outcome a crash left unknown. */
export const REVIEW_DECISIONS = ['submitted', 'failed', 'resubmit'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/**
 * A staff decision on a `needs_review` row, in the caller's transaction: the listing is there
 * (submitted), is not and should stay so (failed), or should be submitted again (resubmit: the
 * row is queued afresh and a completed order is open again). Counters move with the row; the
 * row's log and the order's timeline record who decided.
 */
export async function decideReview(m: EntityManager, resultId: string, decision: ReviewDecision, actor: string): Promise<{ jobId: string }> {
  const order = await lockOrderOfRow(m, resultId);
  if (!order) throw new ProblemException(404, `result ${resultId} not found`);
  const [row]: Array<{ status: ResultStatus }> = await m.query(`SELECT status FROM job_results WHERE id = $1 FOR UPDATE`, [resultId]);
  if (row.status !== 'needs_review') throw new ProblemException(409, `result ${resultId} is ${row.status}, not awaiting review`);
  if (decision === 'resubmit' && order.status === 'cancelled') {
    throw new ProblemException(409, 'the order is cancelled: mark the result submitted or failed instead');
  }
  const entry = JSON.stringify([{ at: new Date().toISOString(), attempt: 0, event: `staff review: ${decision}`, detail: actor }]);
  if (decision === 'resubmit') {
    await m.query(
      `UPDATE job_results SET status = 'pending', generation = generation + 1, attempt_token = NULL, error_message = NULL,
              finished_at = NULL, response_log = response_log || $2::jsonb, updated_at = now() WHERE id = $1`,
      [resultId, entry],
    );
    await countRows(m, order.id, 'needs_review', 'pending');
    // A completed order is open again; a paused one stays paused and takes the row on resume.
    const status = await moveOrder(m, order, 'reopen');
    await m.query(`UPDATE jobs SET completed_at = NULL WHERE id = $1`, [order.id]);
    if (status !== 'paused') await enqueueOrder(m, order.id);
  } else {
    await m.query(
      `UPDATE job_results SET status = $2, response_log = response_log || $3::jsonb, updated_at = now(),
              submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END,
              error_message = CASE WHEN $2 = 'submitted' THEN NULL ELSE 'marked failed by staff after review' END
        WHERE id = $1`,
      [resultId, decision, entry],
    );
    await countRows(m, order.id, 'needs_review', decision);
    await completeIfDone(m, order.id);
  }
  await recordJobEvent(m, order.id, 'reviewed', { resultId, decision, by: actor });
  return { jobId: order.id };
}
