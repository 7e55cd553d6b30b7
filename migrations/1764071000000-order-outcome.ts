import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How an order ended, readable at a glance: `status` says where it is in its life (queued,
 * running, completed, cancelled...), `outcome` what came of it. NULL until it ends, then:
 *   succeeded         every directory submitted
 *   partially_failed  some submitted, others failed or were blocked by policy
 *   failed            none submitted
 *   needs_review      some directories' outcome is unknown and staff are to decide (takes
 *                     precedence: the order's end is not settled until they have)
 *   cancelled         the order was cancelled (its progress says what ran before)
 *
 * A stored generated column: PostgreSQL computes it from the order's own status and counters in
 * the very statement that changes them, under the row lock that statement holds. So it is right
 * whichever transaction finishes the order (the last two rows finishing on two workers at once,
 * a staff review, a cancellation), becomes NULL again when a retry or a resubmit reopens the
 * order, and no writer can forget to set it. Adding it computes it for every existing order.
 */
export class OrderOutcome1764071000000 implements MigrationInterface {
  name = 'OrderOutcome1764071000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE jobs ADD COLUMN outcome text GENERATED ALWAYS AS (
        CASE
          WHEN status = 'cancelled' THEN 'cancelled'
          WHEN status <> 'completed' THEN NULL
          WHEN needs_review > 0 THEN 'needs_review'
          WHEN submitted = total THEN 'succeeded'
          WHEN submitted = 0 THEN 'failed'
          ELSE 'partially_failed'
        END
      ) STORED`);
    // "My orders that had failures": the API's ?outcome= filter, newest first like every list.
    await q.query(`CREATE INDEX jobs_outcome_idx ON jobs (outcome, created_at DESC, id DESC) WHERE outcome IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS jobs_outcome_idx`);
    await q.query(`ALTER TABLE jobs DROP COLUMN outcome`);
  }
}
