import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type ListingCustomer, listingCustomerJson } from '../customers/listing-values';
import { Directory } from '../directories/directory.entity';
import { LivePublisher } from '../live/live-publisher';
import { Metrics } from '../metrics/metrics';
import { EVIDENCE_STORE, type EvidenceStore } from '../evidence/evidence-store';
import type { ResponseLogEntry } from '../common/response-log';
import { LOCK_ORDER_THEN_ROW, markStarted, moveRowAndCount } from '../orders/ledger';
import { ACTIVE_JOB_STATUSES, isFinal, JobStatus, ResultStatus, UNFINISHED_ROW_STATUSES, WAITING_ROW_STATUSES } from '../orders/statuses';
import { attemptMayMove, rowOpenness } from '../orders/transitions';

/** Everything a worker needs for one attempt, read from PostgreSQL (never from the queue payload). */
export interface AttemptContext {
  resultId: string;
  jobId: string;
  token: string;
  attempt: number;
  directory: Pick<Directory, 'id' | 'name' | 'revision' | 'submitUrl' | 'adapter'>;
  customer: ListingCustomer;
}

export type Claim =
  | { kind: 'skip'; reason: string }
  /** An earlier attempt recorded `submitting` and may still click or be answered: wait until then. */
  | { kind: 'busy'; until: Date }
  | { kind: 'claimed'; ctx: AttemptContext }
  /**
   * An earlier attempt reached the submit button and its outcome was never recorded. Verified
   * even when the order was paused or cancelled since (`orderStatus`), so the row ends truthful.
   */
  | { kind: 'uncertain'; ctx: AttemptContext; orderStatus: string };

/** How an attempt ended. `submitting` means "clicked, outcome unknown": the next attempt verifies. */
export interface AttemptOutcome {
  status: ResultStatus;
  log: ResponseLogEntry[];
  error?: string;
  screenshotPath?: string;
  durationMs: number;
  /** The directory's confirmation/reference number (a `submitted` outcome whose definition captures one). */
  reference?: string;
}

/**
 * The worker's side of `job_results`. Every write is fenced by the attempt token handed out by
 * {@link claim}: once a newer attempt has taken a row over, an older one can change nothing.
 */
@Injectable()
export class ResultsService {
  private readonly logger = new Logger(ResultsService.name);
  /** The claim's SQL for the customer's listing, made on the first claim (see listingCustomerJson). */
  private customerJson?: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly live: LivePublisher,
    private readonly metrics: Metrics,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {}

  /** `settleMs`: how long after its deadline an earlier attempt's click may still be answered. */
  async claim(resultId: string, generation: number, settleMs: number): Promise<Claim> {
    const token = randomUUID();
    this.customerJson ??= listingCustomerJson(this.db);
    const claimed = await this.db.transaction(async (m) => {
      const [row]: Array<{ status: ResultStatus; generation: number; attempts: number; job_id: string; job_status: JobStatus; customer_id: string; busy_until: Date | null }> = await m.query(
        `SELECT r.status, r.generation, r.attempts, r.job_id, j.status AS job_status, j.customer_id,
                CASE WHEN r.status = 'submitting' AND r.submit_deadline + $2 * interval '1 millisecond' > now()
                     THEN r.submit_deadline + $2 * interval '1 millisecond' END AS busy_until
           FROM job_results r JOIN jobs j ON j.id = r.job_id WHERE r.id = $1 ${LOCK_ORDER_THEN_ROW}`,
        [resultId, settleMs],
      );
      if (!row) return { skip: 'no such result row' };
      if (row.generation !== generation) return { skip: `stale queue entry (row is at generation ${row.generation})` };
      const openness = rowOpenness(row.status, row.job_status);
      if (!openness.open) return { skip: openness.reason };
      if (row.busy_until) return { busyUntil: row.busy_until };
      // What the attempt runs with comes back from the write that claims the row, under its lock:
      // no newer attempt can have taken the row over in between.
      const [[ran]]: [Array<{ directory: AttemptContext['directory'] | null; customer: ListingCustomer | null }>, number] = await m.query(
        // The attempt runs with the directory's current revision, and the row records which one;
        // except after an interrupted click, whose answer is the clicking revision's to verify.
        `UPDATE job_results r SET attempt_token = $2, attempts = attempts + 1, started_at = now(), updated_at = now(),
                directory_revision = CASE WHEN r.status = 'submitting' AND r.directory_revision IS NOT NULL THEN r.directory_revision
                                          ELSE (SELECT d.revision FROM directories d WHERE d.id = r.directory_id) END
          WHERE r.id = $1
          RETURNING (SELECT json_build_object('id', d.id, 'name', d.name, 'revision', v.revision, 'submitUrl', v.submit_url, 'adapter', v.adapter)
                       FROM directories d JOIN directory_revisions v ON v.directory_id = d.id AND v.revision = r.directory_revision
                      WHERE d.id = r.directory_id) AS directory,
                    (SELECT ${this.customerJson} FROM customers c WHERE c.id = $3) AS customer`,
        [resultId, token, row.customer_id],
      );
      await markStarted(m, row.job_id, row.job_status);
      return { jobId: row.job_id, attempt: row.attempts + 1, uncertain: row.status === 'submitting', orderStatus: row.job_status, ...ran };
    });
    if ('skip' in claimed) return { kind: 'skip', reason: claimed.skip as string };
    if ('busyUntil' in claimed) return { kind: 'busy', until: claimed.busyUntil as Date };
    this.live.publish({ jobId: claimed.jobId, resultId });
    const { directory, customer } = claimed;
    if (!directory || !customer) return { kind: 'skip', reason: `the row's ${directory ? 'customer' : 'directory revision'} is missing` };
    const ctx: AttemptContext = { resultId, jobId: claimed.jobId, token, attempt: claimed.attempt, directory, customer };
    return claimed.uncertain ? { kind: 'uncertain', ctx, orderStatus: claimed.orderStatus } : { kind: 'claimed', ctx };
  }

  /**
   * Records, just before the irreversible click, that this attempt is submitting and may click
   * until `leaseMs` from now. False means the attempt must not click: a newer attempt owns the
   * row, or the order was paused or cancelled.
   */
  async markSubmitting(resultId: string, token: string, leaseMs: number): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE job_results r SET status = 'submitting', submit_deadline = now() + $3 * interval '1 millisecond', updated_at = now()
         FROM jobs j
        WHERE r.id = $1 AND r.attempt_token = $2 AND r.status = ANY($4) AND j.id = r.job_id AND j.status = ANY($5)
        RETURNING r.id`,
      [resultId, token, leaseMs, attemptMayMove('submitting'), ACTIVE_JOB_STATUSES],
    );
    return rows.length === 1;
  }

  /**
   * Adds a line to an open row's log without claiming it: a submission waiting for its turn at a
   * directory says so where staff and customers look.
   */
  async note(resultId: string, jobId: string, event: string, detail?: string): Promise<void> {
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE job_results SET response_log = response_log || jsonb_build_array(jsonb_build_object('at', $2::text, 'attempt', attempts + 1, 'event', $3::text, 'detail', $4::text)),
              updated_at = now()
        WHERE id = $1 AND status = ANY($5) RETURNING id`,
      [resultId, new Date().toISOString(), event, detail ?? null, WAITING_ROW_STATUSES],
    );
    if (rows.length) this.live.publish({ jobId, resultId });
  }

  /**
   * Hands a claimed row back uncounted: the worker's browser failed, which is no fault of the
   * directory's. Takes back the attempt {@link claim} counted and notes why in the row's log; the
   * status stays as it is (`submitting` after a click, so the next attempt verifies). Fenced by
   * the attempt token like every write here.
   */
  async release(ctx: Pick<AttemptContext, 'resultId' | 'jobId' | 'token'>, log: ResponseLogEntry[]): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE job_results SET attempts = greatest(attempts - 1, 0), response_log = response_log || $3::jsonb, updated_at = now()
        WHERE id = $1 AND attempt_token = $2 AND status = ANY($4)
        RETURNING id`,
      [ctx.resultId, ctx.token, JSON.stringify(log), UNFINISHED_ROW_STATUSES],
    );
    if (rows.length) this.live.publish({ jobId: ctx.jobId, resultId: ctx.resultId });
    return rows.length === 1;
  }

  /**
   * Writes an attempt's outcome; a final one also moves the order's counters and may complete
   * it, atomically. Only a move transitions.ts allows from where the row is, and only while this
   * attempt owns the row.
   */
  async finish(ctx: Pick<AttemptContext, 'resultId' | 'token'>, outcome: AttemptOutcome): Promise<boolean> {
    const screenshot = await this.kept(ctx.resultId, outcome.screenshotPath);
    const finished = await this.db.transaction(async (m) => {
      // Under both locks the row's status is what the write below moves it from.
      const [row]: Array<{ job_id: string; directory_id: string; was: ResultStatus }> = await m.query(
        `SELECT r.job_id, r.directory_id, r.status AS was FROM job_results r JOIN jobs j ON j.id = r.job_id WHERE r.id = $1 ${LOCK_ORDER_THEN_ROW}`,
        [ctx.resultId],
      );
      const { moved } = row
        ? await moveRowAndCount(m, row.job_id, row.was, outcome.status, {
            sql: `UPDATE job_results SET status = $3, response_log = response_log || $4::jsonb,
                         screenshot_path = coalesce($5, screenshot_path), error_message = $6, duration_ms = $7,
                         submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END,
                         finished_at = CASE WHEN $8 THEN now() ELSE NULL END, updated_at = now(),
                         -- the attempt is over: nothing of it can still click or be answered
                         submit_deadline = NULL, reference = coalesce($9, reference)
                   WHERE id = $1 AND attempt_token = $2 AND status = ANY($10)
                   RETURNING id`,
            params: [
              ctx.resultId, ctx.token, outcome.status, JSON.stringify(outcome.log), screenshot ?? null, outcome.error ?? null,
              outcome.durationMs, isFinal(outcome.status), outcome.reference ?? null, attemptMayMove(outcome.status),
            ],
          })
        : { moved: false };
      if (!moved) {
        this.logger.warn(`result ${ctx.resultId}: outcome ${outcome.status} dropped: a newer attempt owns the row, or the row may not move there from where it is`);
        return undefined;
      }
      return row;
    });
    if (!finished) return false;
    this.live.publish({ jobId: finished.job_id, resultId: ctx.resultId });
    this.metrics.attempts.inc({ directory: finished.directory_id, outcome: outcome.status });
    this.metrics.attemptDuration.observe({ outcome: outcome.status }, outcome.durationMs / 1000);
    return true;
  }

  /**
   * The attempt's screenshot, handed to the evidence store (an upload, for S3): what the row
   * records. A store that fails costs the screenshot, never the outcome.
   */
  private async kept(resultId: string, file: string | undefined): Promise<string | undefined> {
    if (!file) return undefined;
    try {
      return await this.evidence.keep(file);
    } catch (err) {
      this.logger.warn(`result ${resultId}: screenshot not kept (${(err as Error).message}); the outcome is recorded without it`);
      return undefined;
    }
  }
}
