import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { crashPoint } from '../common/crash-point';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { JobDispatcher } from './job-dispatcher';

/**
 * Transactional outbox relay. Whatever must reach Redis is first committed to `outbox` together
 * with the change that needs it; this relay publishes it and only then marks it sent. A crash in
 * between publishes twice, which deterministic BullMQ ids make harmless. `FOR UPDATE SKIP LOCKED`
 * lets every API replica run a relay without two of them taking the same entry.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dispatcher: JobDispatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.poke(), this.config.OUTBOX_POLL_MS);
    this.poke();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Drains the outbox soon; concurrent pokes coalesce into one more pass. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn(`outbox relay paused: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Publishes unsent entries in batches until none is left. Resolves to how many it sent. */
  async drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      const n = await this.db.transaction(async (m) => {
        const entries: Array<{ id: string; job_id: string }> = await m.query(
          `SELECT id, job_id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED`,
        );
        for (const e of entries) {
          await this.dispatcher.dispatch(await this.dispatcher.queueableRows(m, e.job_id));
        }
        if (entries.length) {
          crashPoint(this.config, 'relay.after-add');
          await m.query(`UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1)`, [entries.map((e) => e.id)]);
        }
        return entries.length;
      });
      sent += n;
      if (n === 0) return sent;
    }
  }
}
