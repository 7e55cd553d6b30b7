import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Directories become data staff manage: every change of a directory's definition (its form page
 * and adapter) is kept as a revision, and a result records the revision its attempt ran with, so
 * "which definition submitted this" is always answerable. Stored adapters gain the format
 * version (`version: 1`); the sandbox-only `layout` key becomes a free-text description.
 */
export class DirectoryRevisions1764080000000 implements MigrationInterface {
  name = 'DirectoryRevisions1764080000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE directories
         SET adapter = (adapter - 'layout') || jsonb_build_object('version', 1)
                       || CASE WHEN adapter ? 'layout' THEN jsonb_build_object('description', 'layout: ' || (adapter->>'layout')) ELSE '{}'::jsonb END`);
    await q.query(`ALTER TABLE directories ADD COLUMN revision integer NOT NULL DEFAULT 1`);
    await q.query(`
      CREATE TABLE directory_revisions (
        directory_id text NOT NULL REFERENCES directories (id) ON DELETE CASCADE,
        revision     integer NOT NULL,
        submit_url   text NOT NULL,
        adapter      jsonb NOT NULL,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (directory_id, revision)
      )`);
    await q.query(`INSERT INTO directory_revisions (directory_id, revision, submit_url, adapter, created_by) SELECT id, 1, submit_url, adapter, 'migration' FROM directories`);
    await q.query(`ALTER TABLE job_results ADD COLUMN directory_revision integer`);
    await q.query(`
      ALTER TABLE job_results ADD CONSTRAINT job_results_directory_revision_fkey
        FOREIGN KEY (directory_id, directory_revision) REFERENCES directory_revisions (directory_id, revision) ON DELETE RESTRICT`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_results DROP CONSTRAINT job_results_directory_revision_fkey`);
    await q.query(`ALTER TABLE job_results DROP COLUMN directory_revision`);
    await q.query(`DROP TABLE directory_revisions`);
    await q.query(`ALTER TABLE directories DROP COLUMN revision`);
    await q.query(`UPDATE directories SET adapter = adapter - 'version'`);
  }
}
