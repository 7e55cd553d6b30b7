import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An Idempotency-Key replay returns the response the first request got (IETF httpapi
 * idempotency-key draft), not the order as it is now: keep that response with the key.
 */
export class IdempotencyResponses1764010000000 implements MigrationInterface {
  name = 'IdempotencyResponses1764010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN response_status smallint, ADD COLUMN response_body jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN response_status, DROP COLUMN response_body`);
  }
}
