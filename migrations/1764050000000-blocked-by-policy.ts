import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `blocked_by_policy`: a directory's page tried to reach a host outside the catalogue, or a
 * private address, and the workers' egress proxy refused it. Final, like `failed`, and counted
 * on the order apart from it (`jobs.blocked`), since it asks staff to look at the directory, not
 * at the listing.
 */
export class BlockedByPolicy1764050000000 implements MigrationInterface {
  name = 'BlockedByPolicy1764050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_results DROP CONSTRAINT job_results_status_check`);
    await q.query(`ALTER TABLE job_results ADD CONSTRAINT job_results_status_check CHECK (status IN
                   ('pending', 'submitting', 'submitted', 'failed', 'retry', 'cancelled', 'needs_review', 'blocked_by_policy'))`);
    await q.query(`ALTER TABLE jobs ADD COLUMN blocked integer NOT NULL DEFAULT 0 CHECK (blocked >= 0)`);
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_counters_within_total`);
    await q.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_counters_within_total
                   CHECK (submitted + failed + cancelled + needs_review + blocked <= total)`);
  }

  /** Blocked rows become plain failures, so nothing is lost going back. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE job_results SET status = 'failed' WHERE status = 'blocked_by_policy'`);
    await q.query(`UPDATE jobs SET failed = failed + blocked WHERE blocked > 0`);
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_counters_within_total`);
    await q.query(`ALTER TABLE jobs DROP COLUMN blocked`);
    await q.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_counters_within_total CHECK (submitted + failed + cancelled + needs_review <= total)`);
    await q.query(`ALTER TABLE job_results DROP CONSTRAINT job_results_status_check`);
    await q.query(`ALTER TABLE job_results ADD CONSTRAINT job_results_status_check CHECK (status IN
                   ('pending', 'submitting', 'submitted', 'failed', 'retry', 'cancelled', 'needs_review'))`);
  }
}
