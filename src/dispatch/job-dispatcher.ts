import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import {
  bullPriority,
  SUBMISSION_QUEUE,
  SUBMIT_LISTING,
  SubmitListingPayload,
  submissionJobId,
  submissionJobOptions,
} from '../queue/queue.constants';

/** A row to put on the queue, as read from `job_results` joined with its order. */
export interface QueueableRow {
  resultId: string;
  generation: number;
  jobId: string;
  directoryId: string;
  priority: number;
}

/**
 * The one place that turns database rows into BullMQ jobs. Ids are deterministic, so adding a row
 * that is already queued is a no-op in Redis: callers may dispatch as often as they like.
 */
@Injectable()
export class JobDispatcher {
  constructor(
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue<SubmitListingPayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Rows of an active order that still need an attempt and are not in a worker's hands. */
  async queueableRows(m: EntityManager, jobId: string): Promise<QueueableRow[]> {
    return m.query(
      `SELECT r.id::text AS "resultId", r.generation, r.job_id AS "jobId", r.directory_id AS "directoryId", j.priority
         FROM job_results r JOIN jobs j ON j.id = r.job_id
        WHERE r.job_id = $1 AND r.status IN ('pending', 'retry') AND j.status IN ('queued', 'running')
        ORDER BY r.id`,
      [jobId],
    );
  }

  async dispatch(rows: QueueableRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await this.queue.addBulk(
        rows.slice(i, i + 500).map((r) => ({
          name: SUBMIT_LISTING,
          data: { resultId: r.resultId, generation: r.generation, jobId: r.jobId, directoryId: r.directoryId },
          opts: { ...submissionJobOptions(this.config, r.priority), jobId: submissionJobId(r.resultId, r.generation) },
        })),
      );
    }
  }

  /** Moves queued entries of these rows to another priority; entries not in Redis are left to the reconciler. */
  async reprioritise(rows: Array<{ resultId: string; generation: number }>, orderPriority: number): Promise<void> {
    await Promise.all(
      rows.map(async (r) => {
        const entry = await this.queue.getJob(submissionJobId(r.resultId, r.generation)).catch(() => undefined);
        if (entry && entry.priority !== bullPriority(orderPriority)) await entry.changePriority({ priority: bullPriority(orderPriority) }).catch(() => undefined);
      }),
    );
  }

  /** Takes queued entries of these rows off the queue (pause, cancel); entries in a worker's hands stay. */
  async withdraw(rows: Array<{ resultId: string; generation: number }>): Promise<void> {
    await Promise.all(rows.map((r) => this.queue.remove(submissionJobId(r.resultId, r.generation)).catch(() => 0)));
  }
}
