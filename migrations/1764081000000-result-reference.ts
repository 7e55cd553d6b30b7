import { MigrationInterface, QueryRunner } from 'typeorm';

/** A directory's confirmation/reference number for an accepted listing, when its definition captures one. */
export class ResultReference1764081000000 implements MigrationInterface {
  name = 'ResultReference1764081000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_results ADD COLUMN reference text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_results DROP COLUMN reference`);
  }
}
