import { ExecutionContext, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Cluster } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { keyPrefix, newRedisClient, type RedisClient } from '../queue/redis-connection';
import type { AuthenticatedRequest } from './caller';

/**
 * Rate-limit counters in Redis, so every API replica counts the same requests. When Redis is
 * away the request is let through (and the miss logged): an outage of the queue must not also
 * lock every client out of reading its orders.
 */
/** How long a request waits for the rate limiter's Redis before it goes on uncounted. */
const RATE_LIMIT_TIMEOUT_MS = 1000;

@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitStorage.name);
  private readonly redis: RedisClient;
  private readonly store: ThrottlerStorageRedisService;
  /** Keys start with QUEUE_PREFIX, so deployments (and test files) sharing a Redis count apart. */
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = `${keyPrefix(config)}:rate`;
    // A Redis that hangs (frozen, not gone) must not hang every request: past this, a request is
    // let through uncounted, as when Redis is down.
    this.redis = newRedisClient(config, 'producer', { commandTimeout: RATE_LIMIT_TIMEOUT_MS });
    this.redis.on('error', () => undefined); // reported per request below
    // Its constructor takes either kind of client, as separate overloads.
    this.store = this.redis instanceof Cluster ? new ThrottlerStorageRedisService(this.redis) : new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.store.increment(`${this.prefix}:${key}`, ttl, limit, blockDuration, name);
    } catch (err) {
      this.logger.warn(`rate limit not counted (Redis: ${(err as Error).message})`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /**
   * Takes one of `limit` slots under `key` for a fixed window of `windowMs` from the first, before
   * the work they guard is done (so a burst of parallel requests cannot all get past a check that
   * would only count afterwards). A slot is kept (a failure) or handed back with {@link giveBack}.
   * Refused when all are taken: `retryAfterS` is when the window ends.
   */
  async take(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterS: number }> {
    try {
      const [count, ttlMs] = (await this.redis.eval(TAKE, 1, `${this.prefix}:${key}`, windowMs)) as [number, number];
      return { allowed: count <= limit, retryAfterS: Math.max(1, Math.ceil(ttlMs / 1000)) };
    } catch (err) {
      this.logger.warn(`rate limit not counted (Redis: ${(err as Error).message})`);
      return { allowed: true, retryAfterS: 0 };
    }
  }

  /** Hands back a slot taken with {@link take} (the attempt succeeded or was refused before it ran). */
  async giveBack(key: string): Promise<void> {
    try {
      await this.redis.eval(GIVE_BACK, 1, `${this.prefix}:${key}`);
    } catch (err) {
      this.logger.warn(`rate limit slot not returned (Redis: ${(err as Error).message})`);
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

/** INCR, with the window's expiry set when the count starts (or has somehow lost it). */
const TAKE = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** DECR only a live count: after the window ended there is nothing to give back. */
const GIVE_BACK = `
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0`;

@Module({ providers: [RateLimitStorage], exports: [RateLimitStorage] })
export class RateLimitStorageModule {}

/**
 * Requests per API key per minute (per client address for public routes), across all replicas.
 * Called by the API key guard once it knows the key, so the count is never keyed by a claim.
 */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: AuthenticatedRequest): Promise<string> {
    return Promise.resolve(req.caller ? `key:${req.caller.keyId}` : `ip:${req.ip}`);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }
}
