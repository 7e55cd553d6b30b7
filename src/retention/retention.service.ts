import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Metrics } from '../metrics/metrics';
import { EVIDENCE_STORE, type EvidenceStore } from '../evidence/evidence-store';
import { MAINTENANCE_QUEUE } from '../queue/queue.constants';
import { keyPrefix, queueConnection } from '../queue/redis-connection';
import { prune, type Removed } from './prune';

/** The job scheduler's id: one per fleet, whatever the number of API replicas that upsert it. */
export const RETENTION_SCHEDULER = 'retention';
/** How soon an API that could not reach Redis at start tries again to set up the schedule. */
const SCHEDULE_RETRY_MS = 60_000;

/**
 * Runs retention ({@link prune}) every RETENTION_EVERY_MS, once for the whole fleet: a BullMQ job
 * scheduler on the maintenance queue makes one job per interval, and one of the API replicas'
 * consumers takes it. What a run removed goes to the log and to boltline_retention_removed_total.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private readonly queue: Queue;
  private readonly worker: Worker;
  private retry?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {
    this.queue = new Queue(MAINTENANCE_QUEUE, { connection: queueConnection(config, 'producer'), prefix: keyPrefix(config) });
    this.queue.on('error', (err) => this.logger.debug(`maintenance queue: ${err.message}`));
    this.worker = new Worker(MAINTENANCE_QUEUE, () => this.runNow(), {
      connection: queueConnection(config, 'worker'),
      prefix: keyPrefix(config),
      concurrency: 1,
      autorun: false,
    });
    this.worker.on('error', (err) => this.logger.warn(`maintenance queue: ${err.message}`));
    this.worker.on('failed', (_job, err) => this.logger.error(`retention failed: ${err.message}`));
  }

  onApplicationBootstrap(): void {
    void this.worker.run();
    void this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.retry);
    await this.worker.close();
    await this.queue.close();
  }

  /** One run now, in this process; what it removed. */
  async runNow(): Promise<Removed> {
    const removed = await prune(this.db, this.evidence, this.config);
    const some = Object.entries(removed).filter(([, n]) => n > 0);
    for (const [kind, n] of some) this.metrics.retained.inc({ kind }, n);
    if (some.length) this.logger.log(`retention removed ${some.map(([kind, n]) => `${n} ${kind.replace('_', ' ')}`).join(', ')}`);
    return removed;
  }

  /** Sets the schedule (again, with this process's interval: the last API to start wins). */
  private async schedule(): Promise<void> {
    try {
      await this.queue.upsertJobScheduler(RETENTION_SCHEDULER, { every: this.config.RETENTION_EVERY_MS }, {
        name: 'retention',
        opts: { removeOnComplete: 50, removeOnFail: 50 },
      });
    } catch (err) {
      this.logger.warn(`retention not scheduled yet (${(err as Error).message}); trying again in ${SCHEDULE_RETRY_MS / 1000} s`);
      this.retry = setTimeout(() => void this.schedule(), SCHEDULE_RETRY_MS).unref();
    }
  }
}
