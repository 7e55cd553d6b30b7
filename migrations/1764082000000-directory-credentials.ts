import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A directory's sign-in (username, password, ...), sealed with SECRETS_KEY (AES-256-GCM, bound to
 * the directory's id). Only the names of the values are readable here; workers open the rest for
 * the sign-in step and nothing else ever sees it.
 */
export class DirectoryCredentials1764082000000 implements MigrationInterface {
  name = 'DirectoryCredentials1764082000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_credentials (
        directory_id text PRIMARY KEY REFERENCES directories (id) ON DELETE CASCADE,
        names        text[] NOT NULL,
        sealed       bytea NOT NULL,
        key_id       text NOT NULL,
        updated_by   text NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE directory_credentials`);
  }
}
