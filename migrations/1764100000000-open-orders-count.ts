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
    // Parameters are prefixed so that no column added later can make a name ambiguous. The fresh
    // snapshot per statement is READ COMMITTED's: under REPEATABLE READ the count would see what
    // the transaction began with, so the function refuses to run there.
    await q.query(`
      CREATE FUNCTION lock_account_count_open_orders(p_account uuid, p_opening uuid, p_open_statuses text[]) RETURNS integer
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        open integer;
      BEGIN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'lock_account_count_open_orders needs READ COMMITTED, not %', current_setting('transaction_isolation');
        END IF;
        PERFORM 1 FROM accounts WHERE id = p_account FOR NO KEY UPDATE;
        SELECT count(*)::int INTO open FROM jobs j JOIN customers c ON c.id = j.customer_id
         WHERE c.account_id = p_account AND j.status = ANY(p_open_statuses) AND j.id IS DISTINCT FROM p_opening;
        RETURN open;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION lock_account_count_open_orders(uuid, uuid, text[])`);
  }
}
