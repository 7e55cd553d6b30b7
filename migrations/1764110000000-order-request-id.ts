import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The id of the request that opened an order (`X-Request-Id`, or one the API made): it follows the
 * order onto every queue entry and into every log line about it (docs/operations.md#request-ids).
 * Orders opened before have none.
 */
export class OrderRequestId1764110000000 implements MigrationInterface {
  name = 'OrderRequestId1764110000000';

  async up(q: QueryRunner): Promise<void> {
    // NOT VALID: every existing row has none (NULL passes), so there is nothing to scan under the
    // table's lock; new and changed rows are checked all the same.
    await q.query(`ALTER TABLE jobs ADD COLUMN request_id text`);
    await q.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_request_id_check CHECK (request_id ~ '^[A-Za-z0-9._:/+=-]{1,128}$') NOT VALID`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN request_id`);
  }
}
