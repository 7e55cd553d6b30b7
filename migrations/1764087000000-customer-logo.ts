import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A customer may have a logo, for directories whose form asks for an image. The bytes live on disk
 * under ARTIFACT_DIR (logo_path is relative to it), never in the database, Redis or job data; the
 * row keeps what the API shows of it. All four columns are set together or not at all.
 */
export class CustomerLogo1764087000000 implements MigrationInterface {
  name = 'CustomerLogo1764087000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE customers ADD COLUMN logo_path text, ADD COLUMN logo_type text, ADD COLUMN logo_bytes integer, ADD COLUMN logo_sha256 text,
       ADD CONSTRAINT customers_logo_whole CHECK (num_nulls(logo_path, logo_type, logo_bytes, logo_sha256) IN (0, 4))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers DROP CONSTRAINT customers_logo_whole, DROP COLUMN logo_path, DROP COLUMN logo_type, DROP COLUMN logo_bytes, DROP COLUMN logo_sha256`);
  }
}
