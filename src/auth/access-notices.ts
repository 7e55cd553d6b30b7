import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { redisOf } from '../queue/queue-redis';
import { keyPrefix, newRedisClient } from '../queue/redis-connection';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';

/**
 * Redis pub/sub channel on which a change to who may hold an event stream is announced (a key
 * revoked, a staff member disabled), as {@link AccessNotice} JSON, so every API replica rechecks
 * its open streams at once instead of at its next periodic check.
 */
export const accessChannel = (prefix: string) => `${prefix}:access`;

/** Whose streams to recheck: one key's, one account's keys', one staff member's; `{}`: everyone's. */
export type AccessNotice = { keyId?: string; accountId?: string; staffId?: string };

/**
 * Announces, after it is committed, that someone's access changed, so every API replica rechecks
 * that holder's open event streams against PostgreSQL at once. A notice only says whom to
 * recheck, so a forged or repeated one costs a query, never access; a lost one (Redis away) is
 * made good by each replica's periodic recheck (STREAM_RECHECK_MS). Never fails the caller.
 */
@Injectable()
export class AccessNotices {
  private readonly logger = new Logger(AccessNotices.name);
  private readonly channel: string;

  constructor(
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.channel = accessChannel(keyPrefix(config));
  }

  async announce(notice: AccessNotice): Promise<void> {
    try {
      await (await redisOf(this.queue)).publish(this.channel, JSON.stringify(notice));
    } catch (err) {
      this.logger.warn(`access change not announced (open streams end at the next periodic check): ${(err as Error).message}`);
    }
  }
}

/** The same, from a command-line tool with no connection of its own yet. False when Redis did not answer. */
export async function announceFromCli(config: AppConfig, notice: AccessNotice): Promise<boolean> {
  const redis = newRedisClient(config, 'producer', { lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.publish(accessChannel(keyPrefix(config)), JSON.stringify(notice));
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
