import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** How many of a directory's latest final results its success rate is computed over. */
export const SUCCESS_WINDOW = 50;
/** Directories per page of the list (a catalogue may hold hundreds). */
export const DIRECTORIES_PER_PAGE = 100;
/** Results on a directory's own page. */
export const RECENT_RESULTS = 20;

/** Final outcomes of a directory's attempt: the success rate's denominator (not cancelled rows). */
const FINAL = `('submitted', 'failed', 'blocked_by_policy', 'needs_review')`;

export interface DirectoryRow {
  id: string;
  name: string;
  enabled: boolean;
  revision: number;
  position: number;
  /** Set while it is paused for missing targets (needing attention), with why. */
  pausedAt: Date | null;
  pausedReason: string | null;
  /** Final results in the window (at most SUCCESS_WINDOW), and how many of them were submitted. */
  finished: number;
  submitted: number;
  successPercent: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface RecentResult {
  id: string;
  jobId: string;
  status: string;
  errorMessage: string | null;
  revision: number | null;
  at: Date;
}

/**
 * The dashboard's reads of the catalogue with its results. Each walks an index of a directory's
 * finished results backwards from the newest (job_results_directory_finished_idx, and
 * job_results_directory_error_idx for the last error: see their migration), so a page costs
 * about (directories on it) × SUCCESS_WINDOW index entries, however many results each has.
 */
@Injectable()
export class DirectoriesQuery {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * One page in position order; a page past the end answers the first. `attention`: only the
   * directories that paused themselves (DirectoryAttention) and wait for staff.
   */
  async page(page: number, attention = false): Promise<{ rows: DirectoryRow[]; page: number; pages: number; total: number }> {
    const current = Number.isSafeInteger(page) && page > 1 ? page : 1;
    const rows: Array<DirectoryRow & { total: number }> = await this.db.query(
      `SELECT d.id, d.name, d.enabled, d.revision, d.position, d."pausedAt", d."pausedReason", d.total, w.finished, w.submitted,
              CASE WHEN w.finished > 0 THEN round(100.0 * w.submitted / w.finished)::int END AS "successPercent",
              e.error_message AS "lastError", e.finished_at AS "lastErrorAt"
         FROM (SELECT id, name, enabled, revision, position, paused_at AS "pausedAt", paused_reason AS "pausedReason", count(*) OVER ()::int AS total
                 FROM directories ${attention ? 'WHERE paused_at IS NOT NULL' : ''} ORDER BY position, id LIMIT $1 OFFSET $2) d
         LEFT JOIN LATERAL (
           SELECT count(*)::int AS finished, count(*) FILTER (WHERE r.status = 'submitted')::int AS submitted
             FROM (SELECT status FROM job_results
                    WHERE directory_id = d.id AND finished_at IS NOT NULL AND status IN ${FINAL}
                    ORDER BY finished_at DESC LIMIT $3) r
         ) w ON true
         LEFT JOIN LATERAL (
           SELECT error_message, finished_at FROM job_results
            WHERE directory_id = d.id AND finished_at IS NOT NULL AND error_message IS NOT NULL AND status IN ${FINAL}
            ORDER BY finished_at DESC LIMIT 1
         ) e ON true
        ORDER BY d.position, d.id`,
      [DIRECTORIES_PER_PAGE, (current - 1) * DIRECTORIES_PER_PAGE, SUCCESS_WINDOW],
    );
    if (!rows.length && current > 1) return this.page(1, attention);
    const total = rows[0]?.total ?? 0;
    return { rows, page: current, pages: Math.max(1, Math.ceil(total / DIRECTORIES_PER_PAGE)), total };
  }

  /** How many directories paused themselves and wait for staff to resume them. */
  async needingAttention(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.db.query(`SELECT count(*)::int AS n FROM directories WHERE paused_at IS NOT NULL`);
    return row.n;
  }

  /** The directory's latest finished results (final outcomes and cancellations), newest first. */
  recent(directoryId: string): Promise<RecentResult[]> {
    return this.db.query(
      `SELECT id::text, job_id AS "jobId", status, error_message AS "errorMessage", directory_revision AS revision, finished_at AS at
         FROM job_results WHERE directory_id = $1 AND finished_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT $2`,
      [directoryId, RECENT_RESULTS],
    );
  }
}
