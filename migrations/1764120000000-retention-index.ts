import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention's batches (src/retention/prune.ts) take finished orders oldest first: without this
 * index each batch would read the whole jobs table. Partial: open orders are never its business.
 */
export class RetentionIndex1764120000000 implements MigrationInterface {
  name = 'RetentionIndex1764120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX jobs_finished_updated_idx ON jobs (updated_at) WHERE status IN ('completed', 'cancelled')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_finished_updated_idx`);
  }
}
