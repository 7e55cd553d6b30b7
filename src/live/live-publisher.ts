import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { redisOf } from '../queue/queue-redis';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';
import { liveChannel, LiveNotice } from './live.constants';
import { keyPrefix } from '../queue/redis-connection';

/**
 * Announces changes to orders on Redis, after they are committed to PostgreSQL, so that every API
 * replica can tell its live viewers. A notice only says *what* changed; listeners read the new
 * state from PostgreSQL. So a lost notice (Redis away) costs freshness, never correctness, and
 * a page that reconnects catches up by reading again. Publishing never fails the caller.
 */
@Injectable()
export class LivePublisher {
  private readonly logger = new Logger(LivePublisher.name);
  private readonly channel: string;
  private warned = false;

  constructor(
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.channel = liveChannel(keyPrefix(config));
  }

  publish(...notices: LiveNotice[]): void {
    if (!notices.length) return;
    void redisOf(this.queue)
      .then((redis) => redis.publish(this.channel, JSON.stringify(notices)))
      .then(() => (this.warned = false))
      .catch((err: unknown) => {
        // Once per outage: the dashboard shows stale figures until the next notice or reload.
        if (!this.warned) this.logger.warn(`live updates not announced: ${(err as Error).message}`);
        this.warned = true;
      });
  }
}
