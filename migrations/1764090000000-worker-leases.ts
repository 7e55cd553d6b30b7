import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leases of submissions to workers that hold only an API key (src/leases). A lease names the
 * BullMQ entry and its lock token (the queue side), the row and its attempt token (the fence of
 * every write to job_results, handed to the worker as the lease's token), and what the worker
 * reported, kept so that the same report twice answers the same. `worker:credentials` lets a
 * worker key receive the sign-in values of directories that need them.
 */
export class WorkerLeases1764090000000 implements MigrationInterface {
  name = 'WorkerLeases1764090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await q.query(
      `ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['jobs:read', 'jobs:write', 'worker', 'worker:credentials', 'admin'])`,
    );
    await q.query(`
      CREATE TABLE worker_leases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key_id text NOT NULL REFERENCES api_keys(id),
        worker_id text NOT NULL CHECK (worker_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
        worker_kind text NOT NULL CHECK (worker_kind IN ('remote', 'extension')),
        worker_version text NOT NULL CHECK (length(worker_version) BETWEEN 1 AND 40),
        result_id bigint NOT NULL REFERENCES job_results(id) ON DELETE CASCADE,
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        directory_id text NOT NULL,
        queue text NOT NULL CHECK (queue IN ('submissions', 'assisted')),
        queue_entry_id text NOT NULL,
        queue_token uuid NOT NULL,
        token uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('submit', 'verify')),
        attempt integer NOT NULL,
        order_status text NOT NULL,
        turn_holder text NOT NULL,
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'settling', 'settled', 'expired', 'revoked')),
        progress text,
        log jsonb NOT NULL DEFAULT '[]',
        click_by timestamptz,
        screenshot_path text,
        report jsonb,
        settling_at timestamptz,
        answer jsonb,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz
      )`);
    await q.query(`CREATE INDEX worker_leases_open_idx ON worker_leases (key_id, worker_id) WHERE state IN ('active', 'settling')`);
    await q.query(`CREATE INDEX worker_leases_result_idx ON worker_leases (result_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE worker_leases`);
    // A key that had nothing else is revoked, keeping `worker` only so that the older CHECK holds.
    await q.query(
      `UPDATE api_keys SET scopes = coalesce(nullif(array_remove(scopes, 'worker:credentials'), '{}'), ARRAY['worker']),
              revoked_at = CASE WHEN scopes = ARRAY['worker:credentials'] THEN coalesce(revoked_at, now()) ELSE revoked_at END
        WHERE 'worker:credentials' = ANY(scopes)`,
    );
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['jobs:read', 'jobs:write', 'worker', 'admin'])`);
  }
}
