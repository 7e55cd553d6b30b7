import type { RedisClient } from '../queue/redis-connection';
import { STREAM_SLOT_LEASE_MS } from './live.constants';

/**
 * Takes a slot for stream ARGV[1] in every sorted set of KEYS, or none: each set first drops the
 * slots whose lease ran out, and if one is full (ARGV[2 + i]: its cap) the script answers that
 * set's position (1-based), else 0. Redis's own clock, so replicas' clocks need not agree.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0`;

/** Extends the lease of slot ARGV[1 + i] in set KEYS[i] (adding it again if Redis lost it). */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[1 + i])
  redis.call('PEXPIRE', key, ARGV[1])
end
return 0`;

export interface Bucket {
  /** The sorted set's key. */
  key: string;
  cap: number;
}

/**
 * Counts open event streams in Redis, so a cap holds across API replicas. A slot is leased: the
 * replica holding the stream renews it while the stream is open and removes it when it ends, and
 * a replica that dies without removing its slots stops counting against them once the lease runs
 * out (STREAM_SLOT_LEASE_MS).
 */
export class StreamSlots {
  constructor(private readonly redis: () => Promise<RedisClient>) {}

  /** Takes a slot in every bucket; answers the first bucket that is full instead (nothing taken). */
  async take(streamId: string, buckets: Bucket[]): Promise<Bucket | undefined> {
    const redis = await this.redis();
    const full = (await redis.eval(TAKE, buckets.length, ...buckets.map((b) => b.key), streamId, STREAM_SLOT_LEASE_MS, ...buckets.map((b) => b.cap))) as number;
    return full ? buckets[full - 1] : undefined;
  }

  async renew(slots: Array<{ streamId: string; key: string }>): Promise<void> {
    if (!slots.length) return;
    const redis = await this.redis();
    await redis.eval(RENEW, slots.length, ...slots.map((s) => s.key), STREAM_SLOT_LEASE_MS, ...slots.map((s) => s.streamId));
  }

  async release(streamId: string, keys: string[]): Promise<void> {
    if (!keys.length) return;
    const redis = await this.redis();
    await Promise.all(keys.map((key) => redis.zrem(key, streamId)));
  }
}
