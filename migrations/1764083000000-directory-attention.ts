import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A directory whose form keeps not matching its adapter (a site redesign) pauses itself: after
 * DIRECTORY_PAUSE_AFTER attempts in a row that found a target missing, its queued rows wait
 * instead of spending every customer's attempts, until staff resume it.
 */
export class DirectoryAttention1764083000000 implements MigrationInterface {
  name = 'DirectoryAttention1764083000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directories ADD COLUMN target_misses integer NOT NULL DEFAULT 0, ADD COLUMN paused_at timestamptz, ADD COLUMN paused_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directories DROP COLUMN target_misses, DROP COLUMN paused_at, DROP COLUMN paused_reason`);
  }
}
