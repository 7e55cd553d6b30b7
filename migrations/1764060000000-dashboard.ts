import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the staff dashboard asks of PostgreSQL: substring search over business names, emails and
 * error text (trigram indexes, so `ILIKE '%bakery%'` need not read every row), the last hour's
 * finished results for the overview chart, and the results awaiting review.
 * pg_trgm is a trusted extension: the database owner may create it without a superuser.
 * The order timeline also records staff reviews of uncertain results and priority changes.
 */
export class Dashboard1764060000000 implements MigrationInterface {
  name = 'Dashboard1764060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE INDEX customers_name_trgm_idx ON customers USING gin (business_name gin_trgm_ops)`);
    await q.query(`CREATE INDEX customers_email_trgm_idx ON customers USING gin (email gin_trgm_ops)`);
    await q.query(`CREATE INDEX job_results_error_trgm_idx ON job_results USING gin (error_message gin_trgm_ops) WHERE error_message IS NOT NULL`);
    await q.query(`CREATE INDEX job_results_finished_idx ON job_results (finished_at) WHERE finished_at IS NOT NULL`);
    await q.query(`CREATE INDEX job_results_review_idx ON job_results (updated_at) WHERE status = 'needs_review'`);
    await q.query(`CREATE INDEX jobs_priority_idx ON jobs (priority, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX job_results_directory_idx ON job_results (directory_id, job_id)`);
    await q.query(`ALTER TABLE job_events DROP CONSTRAINT job_events_type_check`);
    await q.query(`ALTER TABLE job_events ADD CONSTRAINT job_events_type_check CHECK (type IN
                   ('created', 'approved', 'started', 'paused', 'resumed', 'cancelled', 'retried', 'completed', 'reviewed', 'priority_changed'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM job_events WHERE type IN ('reviewed', 'priority_changed')`);
    await q.query(`ALTER TABLE job_events DROP CONSTRAINT job_events_type_check`);
    await q.query(`ALTER TABLE job_events ADD CONSTRAINT job_events_type_check CHECK (type IN
                   ('created', 'approved', 'started', 'paused', 'resumed', 'cancelled', 'retried', 'completed'))`);
    for (const index of ['job_results_directory_idx', 'jobs_priority_idx', 'job_results_review_idx', 'job_results_finished_idx', 'job_results_error_trgm_idx', 'customers_email_trgm_idx', 'customers_name_trgm_idx']) {
      await q.query(`DROP INDEX IF EXISTS ${index}`);
    }
    // The extension stays: other objects may use it by now.
  }
}
