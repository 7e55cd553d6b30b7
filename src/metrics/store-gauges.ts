import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ASSISTED_QUEUE, SUBMISSION_QUEUE } from '../queue/queue.constants';
import { Metrics } from './metrics';

/** The BullMQ states a queue entry can be in (getJobCounts' names). */
export const QUEUE_STATES = ['wait', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'paused', 'waiting-children'] as const;

/**
 * The fleet's state as the stores hold it, read at scrape time by the API (any replica: every
 * one reads the same stores): the queues by state, the directories waiting for staff review,
 * and the relay's lag. Each read is one indexed query or BullMQ's own counts.
 */
@Injectable()
export class StoreGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) private readonly submissions: Queue,
    @InjectQueue(ASSISTED_QUEUE) private readonly assisted: Queue,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('boltline_queue_entries', "Queue entries by queue and state (BullMQ's own counts)", ['queue', 'state'], async (gauge) => {
      for (const queue of [this.submissions, this.assisted]) {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    });
    this.metrics.gauge('boltline_results_needs_review', "Directories of orders waiting for staff review (results in needs_review)", [], async (gauge) => {
      const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM job_results WHERE status = 'needs_review'`);
      gauge.set(n);
    });
    this.metrics.gauge('boltline_outbox_oldest_unsent_seconds', 'Age of the oldest outbox entry the relay has not sent to the queue; 0 when there is none (the relay lag)', [], async (gauge) => {
      const [oldest] = await this.db.query(`SELECT extract(epoch FROM now() - created_at)::float8 AS age FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1`);
      gauge.set(oldest ? Math.max(0, oldest.age) : 0);
    });
  }
}
