import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isRowId } from '../common/ids';
import { Customer } from '../customers/customer.entity';
import { Job } from '../orders/job.entity';
import { JobView, jobView } from '../orders/job-view';
import type { ResponseLogEntry } from '../common/response-log';

/** One directory's row as the detail page shows it, with its evidence. */
export interface DirectoryRow {
  id: string;
  directoryId: string;
  directoryName: string;
  status: string;
  attempts: number;
  errorMessage: string | null;
  reference: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  hasScreenshot: boolean;
  /** The last entries of what the page said and what the worker did. */
  log: ResponseLogEntry[];
}

/** Entries of each row's log shown in place; the API has the whole log. */
const LOG_ENTRIES = 8;

@Injectable()
export class OrderDetailQuery {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async order(id: string): Promise<{ job: JobView; customer: Customer; timeline: Array<{ type: string; detail: Record<string, unknown>; createdAt: Date }> } | undefined> {
    const job = await this.db.getRepository(Job).findOneBy({ id });
    if (!job) return undefined;
    const [customer, timeline] = await Promise.all([
      this.db.getRepository(Customer).findOneByOrFail({ id: job.customerId }),
      this.db.query(`SELECT type, detail, created_at AS "createdAt" FROM job_events WHERE job_id = $1 ORDER BY id`, [id]),
    ]);
    return { job: jobView(job), customer, timeline };
  }

  /** The order's rows, or only `ids` of them (a live update). */
  rows(jobId: string, ids?: string[]): Promise<DirectoryRow[]> {
    return this.db.query(
      `SELECT r.id::text, r.directory_id AS "directoryId", d.name AS "directoryName", r.status, r.attempts,
              r.error_message AS "errorMessage", r.reference, r.started_at AS "startedAt", r.finished_at AS "finishedAt",
              r.duration_ms AS "durationMs", r.screenshot_path IS NOT NULL AS "hasScreenshot",
              coalesce((SELECT jsonb_agg(e ORDER BY n) FROM jsonb_array_elements(r.response_log) WITH ORDINALITY AS l(e, n)
                         WHERE n > jsonb_array_length(r.response_log) - $3), '[]'::jsonb) AS log
         FROM job_results r JOIN directories d ON d.id = r.directory_id
        WHERE r.job_id = $1 AND ($2::bigint[] IS NULL OR r.id = ANY($2))
        ORDER BY r.id`,
      [jobId, ids ?? null, LOG_ENTRIES],
    );
  }

  /** Where a row's screenshot is on disk, if it has one. */
  async screenshotPath(resultId: string): Promise<string | undefined> {
    if (!isRowId(resultId)) return undefined;
    const [row] = await this.db.query(`SELECT screenshot_path FROM job_results WHERE id = $1`, [resultId]);
    return row?.screenshot_path ?? undefined;
  }
}
