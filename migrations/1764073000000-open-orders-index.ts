import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creating an order through an account's key counts the account's open orders (see
 * MAX_OPEN_ORDERS_PER_ACCOUNT). This partial index holds only unfinished orders, so the count
 * reads the account's customers and their few open orders, not its whole history.
 */
export class OpenOrdersIndex1764073000000 implements MigrationInterface {
  name = 'OpenOrdersIndex1764073000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX jobs_open_customer_idx ON jobs (customer_id) WHERE status IN ('awaiting_approval', 'queued', 'running', 'paused')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS jobs_open_customer_idx`);
  }
}
