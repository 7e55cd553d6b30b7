import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The moment after which the attempt that recorded `submitting` will no longer click. Until that
 * moment (plus the time its answer may take) another attempt must not verify and resubmit: the
 * first one may be slow, not dead.
 */
export class SubmitDeadline1764020000000 implements MigrationInterface {
  name = 'SubmitDeadline1764020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_results ADD COLUMN submit_deadline timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_results DROP COLUMN submit_deadline`);
  }
}
