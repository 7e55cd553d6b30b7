import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context (`traceparent`) of the request that opened an order, when tracing is on:
 * the relay publishes the order's entries in that trace, so the worker's spans join it
 * (docs/operations.md#tracing). Null with tracing off, and for orders opened before.
 */
export class OrderTraceParent1764130000000 implements MigrationInterface {
  name = 'OrderTraceParent1764130000000';

  async up(q: QueryRunner): Promise<void> {
    // NOT VALID: every existing row has none (NULL passes); new and changed rows are checked.
    await q.query(`ALTER TABLE jobs ADD COLUMN trace_parent text`);
    await q.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_trace_parent_check CHECK (trace_parent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$') NOT VALID`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN trace_parent`);
  }
}
