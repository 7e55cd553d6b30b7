import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys and the accounts that own customers. A key is `bl_live_<id>_<secret>`: the id is
 * looked up, only the SHA-256 of the secret is kept. Customers made with a non-admin key belong
 * to that key's account, and every key of the account sees them; admin keys see every customer.
 * Idempotency keys get the API key as their scope (the column existed with one shared scope).
 */
export class ApiKeys1764030000000 implements MigrationInterface {
  name = 'ApiKeys1764030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE customers ADD COLUMN account_id uuid REFERENCES accounts(id)`);
    await q.query(`CREATE INDEX customers_account_page_idx ON customers (account_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['jobs:read', 'jobs:write', 'worker', 'admin']),
        account_id uuid REFERENCES accounts(id),
        secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        -- a key that reads or writes jobs without admin must say whose jobs
        CHECK ('admin' = ANY(scopes) OR NOT (scopes && ARRAY['jobs:read', 'jobs:write']) OR account_id IS NOT NULL)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`ALTER TABLE customers DROP COLUMN account_id`);
    await q.query(`DROP TABLE accounts`);
  }
}
