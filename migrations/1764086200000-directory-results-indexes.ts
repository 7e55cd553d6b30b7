import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's Directories pages read each directory's newest finished results (its success
 * rate over the last 50, its recent results) and its newest error. Without these, a page of 100
 * directories read every result of each (13.5 s over 509,000 results, bench/dashboard.ts's
 * data; 3 ms with them): about 50 index entries per directory. The error index holds only rows with
 * an error, so a directory that rarely fails is not walked to its first result to find none.
 */
export class DirectoryResultsIndexes1764086200000 implements MigrationInterface {
  name = 'DirectoryResultsIndexes1764086200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX job_results_directory_finished_idx ON job_results (directory_id, finished_at DESC) WHERE finished_at IS NOT NULL`);
    await q.query(`CREATE INDEX job_results_directory_error_idx ON job_results (directory_id, finished_at DESC)
                   WHERE finished_at IS NOT NULL AND error_message IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS job_results_directory_error_idx`);
    await q.query(`DROP INDEX IF EXISTS job_results_directory_finished_idx`);
  }
}
