import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Boltline's first schema. Enumerated columns carry CHECK constraints so that a bug in one process
 * cannot write a status the others do not understand; the partial indexes serve the queue views
 * (what is still to do) without indexing the far larger set of finished rows.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_name text NOT NULL CHECK (char_length(business_name) BETWEEN 1 AND 10000),
        email         text NOT NULL,
        phone         text NOT NULL,
        website       text NOT NULL,
        address       text NOT NULL,
        city          text NOT NULL,
        state         text NOT NULL,
        zip           text NOT NULL,
        country       text NOT NULL,
        category      text NOT NULL,
        description   text NOT NULL DEFAULT '',
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX customers_created_idx ON customers (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE directories (
        id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name       text NOT NULL,
        submit_url text NOT NULL,
        adapter    jsonb NOT NULL,
        enabled    boolean NOT NULL DEFAULT true,
        position   integer NOT NULL CHECK (position > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX directories_fill_idx ON directories (position, id) WHERE enabled`);

    await q.query(`
      CREATE TABLE jobs (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type            text NOT NULL DEFAULT 'directory_submission'
                        CHECK (type IN ('directory_submission')),
        customer_id     uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
        package_size    integer CHECK (package_size IN (50, 100, 500)),
        priority        smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 4),
        status          text NOT NULL CHECK (status IN
                        ('awaiting_approval', 'queued', 'running', 'paused', 'completed', 'cancelled')),
        total           integer NOT NULL CHECK (total > 0),
        submitted       integer NOT NULL DEFAULT 0 CHECK (submitted >= 0),
        failed          integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
        cancelled       integer NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
        needs_review    integer NOT NULL DEFAULT 0 CHECK (needs_review >= 0),
        attempts        integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
        error           text,
        idempotency_key text,
        metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        completed_at    timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT jobs_counters_within_total CHECK (submitted + failed + cancelled + needs_review <= total)
      )`);
    await q.query(`CREATE INDEX jobs_list_idx ON jobs (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX jobs_status_idx ON jobs (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX jobs_customer_idx ON jobs (customer_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE job_results (
        id            bigserial PRIMARY KEY,
        job_id        uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        directory_id  text NOT NULL REFERENCES directories (id) ON DELETE RESTRICT,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN
                      ('pending', 'submitting', 'submitted', 'failed', 'retry', 'cancelled', 'needs_review')),
        attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        generation    integer NOT NULL DEFAULT 1 CHECK (generation >= 1),
        attempt_token uuid,
        response_log  jsonb NOT NULL DEFAULT '[]'::jsonb,
        screenshot_path text,
        error_message text,
        duration_ms   integer CHECK (duration_ms >= 0),
        started_at    timestamptz,
        submitted_at  timestamptz,
        finished_at   timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT job_results_job_directory_key UNIQUE (job_id, directory_id)
      )`);
    await q.query(`CREATE INDEX job_results_job_status_idx ON job_results (job_id, status)`);
    await q.query(`CREATE INDEX job_results_open_idx ON job_results (job_id)
                   WHERE status IN ('pending', 'submitting', 'retry')`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        scope        text NOT NULL,
        key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        job_id       uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);

    await q.query(`
      CREATE TABLE outbox (
        id         bigserial PRIMARY KEY,
        topic      text NOT NULL CHECK (topic IN ('enqueue_job')),
        job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at    timestamptz,
        attempts   integer NOT NULL DEFAULT 0,
        last_error text
      )`);
    await q.query(`CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL`);

    await q.query(`
      CREATE TABLE job_events (
        id         bigserial PRIMARY KEY,
        job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        type       text NOT NULL CHECK (type IN ('created', 'approved', 'started', 'paused', 'resumed',
                   'cancelled', 'retried', 'completed')),
        detail     jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX job_events_job_idx ON job_events (job_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['job_events', 'outbox', 'idempotency_keys', 'job_results', 'jobs', 'directories', 'customers']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
