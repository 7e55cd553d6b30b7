import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The open-order limit's lock and count in one round trip (src/jobs/open-order-limit.ts). They
 * must be two statements: in READ COMMITTED a statement's snapshot is taken when it starts, so a
 * count in the statement that waited for the account's lock would miss the orders committed by
 * whoever held it. A VOLATILE function takes a fresh snapshot for each statement it runs, so its
 * count, after its lock, sees them.
 */
export class OpenOrdersCount1764100000000 implements MigrationInterface {
  name = 'OpenOrdersCount1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lock_account_count_open_orders(account uuid, opening uuid, open_statuses text[]) RETURNS integer
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        open integer;
      BEGIN
        PERFORM 1 FROM accounts WHERE id = account FOR NO KEY UPDATE;
        SELECT count(*)::int INTO open FROM jobs j JOIN customers c ON c.id = j.customer_id
         WHERE c.account_id = account AND j.status = ANY(open_statuses) AND j.id IS DISTINCT FROM opening;
        RETURN open;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION lock_account_count_open_orders(uuid, uuid, text[])`);
  }
}
