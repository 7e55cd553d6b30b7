import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff accounts (scrypt password hashes), their sessions (the layout connect-pg-simple reads and
 * writes) and the audit log of staff and admin actions: who, what, which job, when, from where.
 */
export class Staff1764040000000 implements MigrationInterface {
  name = 'Staff1764040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE CHECK (email = lower(email) AND email ~ '^[^@\\s]+@[^@\\s]+$'),
        password_hash text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
        role text NOT NULL CHECK (role IN ('admin', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE staff_sessions (
        sid varchar NOT NULL PRIMARY KEY,
        sess json NOT NULL,
        expire timestamp(6) NOT NULL
      )`);
    await q.query(`CREATE INDEX staff_sessions_expire_idx ON staff_sessions (expire)`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL CHECK (actor_type IN ('staff', 'api_key', 'system')),
        actor_id text,
        actor text NOT NULL,
        action text NOT NULL,
        job_id uuid,
        detail jsonb NOT NULL DEFAULT '{}',
        ip text
      )`);
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_job_idx ON audit_log (job_id, at DESC) WHERE job_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE staff_sessions`);
    await q.query(`DROP TABLE staff_users`);
  }
}
