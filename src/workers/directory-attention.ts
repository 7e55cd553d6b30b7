import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';

/**
 * Counts a directory's attempts in a row that found one of its adapter's targets missing, and
 * pauses the directory at DIRECTORY_PAUSE_AFTER: a redesigned site then costs a few attempts, not
 * every customer's. Any attempt the form worked for (submitted, or refused by the site) resets it.
 */
@Injectable()
export class DirectoryAttention {
  private readonly logger = new Logger(DirectoryAttention.name);
  private readonly audit: AuditService;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.audit = new AuditService(db);
  }

  /**
   * True when the directory is paused: by this miss, or already (an attempt that was running when
   * it paused). Such an attempt is given back: its row waits with the others.
   */
  async missed(directoryId: string, target: string): Promise<boolean> {
    const reason = `${this.config.DIRECTORY_PAUSE_AFTER} attempts in a row found a target missing; the last waited for ${target}`;
    // UPDATE through TypeORM answers [rows, affected].
    const [[row]]: [Array<{ misses: number; paused: boolean; paused_now: boolean }>, number] = await this.db.query(
      `WITH before AS (SELECT id, paused_at FROM directories WHERE id = $1 FOR UPDATE)
       UPDATE directories d
          SET target_misses = d.target_misses + 1,
              paused_at = CASE WHEN d.paused_at IS NULL AND d.target_misses + 1 >= $2 THEN now() ELSE d.paused_at END,
              paused_reason = CASE WHEN d.paused_at IS NULL AND d.target_misses + 1 >= $2 THEN $3 ELSE d.paused_reason END
         FROM before
        WHERE d.id = before.id
        RETURNING d.target_misses AS misses, d.paused_at IS NOT NULL AS paused, before.paused_at IS NULL AND d.paused_at IS NOT NULL AS paused_now`,
      [directoryId, this.config.DIRECTORY_PAUSE_AFTER, reason],
    );
    if (!row?.paused_now) return row?.paused ?? false;
    this.logger.warn(`directory ${directoryId} paused: ${reason}`);
    await this.audit.record({ actorType: 'system', actor: 'worker', action: 'directory.pause', detail: { directory: directoryId, reason } });
    return true;
  }

  async worked(directoryId: string): Promise<void> {
    await this.db.query(`UPDATE directories SET target_misses = 0 WHERE id = $1 AND target_misses <> 0`, [directoryId]);
  }
}
