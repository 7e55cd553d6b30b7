import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, pageOf } from '../common/cursor';
import { isRowId } from '../common/ids';

export interface AuditEntry {
  actorType: 'staff' | 'api_key' | 'system';
  /** Staff member id or API key id. */
  actorId?: string;
  /** Who, readable: an email or a key's name. */
  actor: string;
  /** What, e.g. `job.cancel`, `key.create`, `staff.login`. */
  action: string;
  jobId?: string;
  detail?: Record<string, unknown>;
  /** From where: the client address. */
  ip?: string;
}

export interface AuditQuery {
  jobId?: string;
  actor?: string;
  action?: string;
  limit?: number;
  cursor?: string;
}

/** The audit log: an append-only record of staff and admin actions. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(e: AuditEntry): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO audit_log (actor_type, actor_id, actor, action, job_id, detail, ip) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [e.actorType, e.actorId ?? null, e.actor, e.action, e.jobId ?? null, JSON.stringify(e.detail ?? {}), e.ip ?? null],
      );
    } catch (err) {
      // The action has happened; failing its answer now would invite a blind retry.
      this.logger.error(`audit entry lost (${e.action} by ${e.actor}): ${(err as Error).message}`);
    }
  }

  async list(q: AuditQuery) {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor);
    if (after && !isRowId(after.id)) decodeCursor('not a cursor'); // throws the usual 400
    const rows = await this.db.query(
      `SELECT id::text, at AS "createdAt", actor_type AS "actorType", actor_id AS "actorId", actor, action, job_id AS "jobId", detail, ip
         FROM audit_log
        WHERE ($1::uuid IS NULL OR job_id = $1) AND ($2::text IS NULL OR actor = $2) AND ($3::text IS NULL OR action = $3)
          AND ($4::timestamptz IS NULL OR (at, id) < ($4, $5::bigint))
        ORDER BY at DESC, id DESC LIMIT $6`,
      [q.jobId ?? null, q.actor ?? null, q.action ?? null, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
    return pageOf(rows, limit);
  }
}
