import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../queue/redis-connection';
import type { DirectoryLimits } from '../directories/definition/adapter.schema';

/** How soon the first in line asks again while a directory's slots are all taken. */
export const LIMIT_POLL_MS = 1000;
/** The longest a limited submission waits between two looks, however far back in line it is. */
export const LIMIT_MAX_POLL_MS = 30_000;
/**
 * How long a place in line outlives the wait it was given: a submission that stops asking (its
 * entry was removed, its worker died) stops holding up those behind it after this.
 */
export const PLACE_KEPT_MS = 60_000;
const WINDOW_MS = 60_000;
/** The longest a site's 429 / Retry-After holds the fleet off its directory. */
export const MAX_SLOW_DOWN_MS = 10 * 60_000;

export type Turn =
  | { go: true; holder: string }
  | { go: false; waitMs: number; reason: string; /** First time this submission was kept waiting. */ joined: boolean };

/**
 * Takes a turn, atomically, in Redis server time (one clock for the whole fleet). In line by
 * ARGV[2] (priority, then age): a submission takes a free slot only when fewer than the free
 * slots are waiting ahead of it, so a limited directory's submissions keep their order.
 * KEYS: holders (zset holder -> lease end), starts (zset holder -> start), not-before (ms),
 * line (zset waiter -> place), line-expiry (zset waiter -> when its place lapses).
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local waiter, place, holder = ARGV[1], ARGV[2], ARGV[3]
local holdMs, concurrent, perMinute = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local pollMs, maxPollMs, keptMs, windowMs = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])

for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)) do redis.call('ZREM', KEYS[4], w) end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - windowMs)
-- Its place follows its order's priority now (staff may have changed it since it joined): an
-- old, lower place of its own must not count as someone ahead of it.
local joined = 1
if redis.call('ZSCORE', KEYS[4], waiter) then
  joined = 0
  redis.call('ZADD', KEYS[4], place, waiter)
end
local ahead = redis.call('ZCOUNT', KEYS[4], '-inf', '(' .. place)

local waitMs, reason = 0, ''
local notBefore = tonumber(redis.call('GET', KEYS[3]) or '0')
if notBefore > now then waitMs, reason = math.min(maxPollMs, notBefore - now), 'slowed down' end
if concurrent > 0 then
  local free = concurrent - redis.call('ZCARD', KEYS[1])
  if ahead >= free then
    waitMs = math.max(waitMs, math.min(maxPollMs, pollMs * (1 + math.floor(ahead / concurrent))))
    if reason == '' then reason = 'concurrent' end
  end
end
if perMinute > 0 then
  local used = redis.call('ZCARD', KEYS[2])
  if ahead >= perMinute - used then
    -- The start whose leaving the window frees this submission's token (or the last one, further back).
    local k = math.min(ahead - (perMinute - used), used - 1)
    local at = tonumber(redis.call('ZRANGE', KEYS[2], k, k, 'WITHSCORES')[2] or now)
    waitMs = math.max(waitMs, math.min(maxPollMs, math.max(pollMs, at + windowMs - now)))
    if reason == '' then reason = 'per minute' end
  end
end

if waitMs > 0 then
  if joined == 1 then redis.call('ZADD', KEYS[4], place, waiter) end
  redis.call('ZADD', KEYS[5], now + waitMs + keptMs, waiter)
  redis.call('PEXPIRE', KEYS[4], maxPollMs + keptMs)
  redis.call('PEXPIRE', KEYS[5], maxPollMs + keptMs)
  return {0, waitMs, reason, joined}
end
redis.call('ZREM', KEYS[4], waiter)
redis.call('ZREM', KEYS[5], waiter)
if concurrent > 0 then
  redis.call('ZADD', KEYS[1], now + holdMs, holder)
  redis.call('PEXPIRE', KEYS[1], holdMs)
end
if perMinute > 0 then
  redis.call('ZADD', KEYS[2], now, holder)
  redis.call('PEXPIRE', KEYS[2], windowMs)
end
return {1, 0, '', 0}
`;

/** Extends a running holder's lease (only if it still holds one). */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
if redis.call('ZCARD', KEYS[1]) > 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
`;

/** Nobody starts a submission to the directory for `forMs` from now (never shortens one set before). */
const SLOW_DOWN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local forMs = tonumber(ARGV[1])
if now + forMs > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], now + forMs, 'PX', forMs) end
`;

/**
 * A submission's place in a directory's line: more urgent orders first (BullMQ priority, lower
 * sooner), then the older queue entry. Same scale for every worker; fits a double exactly.
 */
export function placeInLine(priority: number, queuedAtMs: number): string {
  return String(Math.max(0, Math.trunc(priority)) * 1e13 + Math.trunc(queuedAtMs));
}

/**
 * Per-directory politeness shared by every worker process through Redis: a concurrency lease
 * (holders expire, so a SIGKILLed worker frees its slot once `holdMs` passes without renewal), a
 * sliding 60-second window of starts, and a "not before" a site's 429 / Retry-After sets. Keys
 * live under the queue prefix.
 */
export class DirectoryLimiter {
  constructor(
    private readonly redis: () => Promise<RedisClient>,
    private readonly prefix: string,
    /** A holder's lease; renewed while the holder runs, so only a dead holder's runs out. */
    readonly holdMs: number,
  ) {}

  private key(directoryId: string, what: string): string {
    return `${this.prefix}:directory-limits:{${directoryId}}:${what}`;
  }

  /**
   * Asks for a turn at the directory. `waiter` names the submission across its looks (its queue
   * entry), `place` orders the line ({@link placeInLine}). Without limits only a slow-down holds it.
   */
  async take(directoryId: string, waiter: string, place: string, limits: DirectoryLimits | undefined): Promise<Turn> {
    const holder = `${waiter}:${randomUUID()}`;
    const keys = ['holders', 'starts', 'not-before', 'line', 'line-expiry'].map((k) => this.key(directoryId, k));
    const [go, waitMs, reason, joined] = (await (await this.redis()).eval(
      TAKE,
      keys.length,
      ...keys,
      waiter,
      place,
      holder,
      this.holdMs,
      limits?.concurrent ?? 0,
      limits?.perMinute ?? 0,
      LIMIT_POLL_MS,
      LIMIT_MAX_POLL_MS,
      PLACE_KEPT_MS,
      WINDOW_MS,
    )) as [number, number, string, number];
    return go ? { go: true, holder } : { go: false, waitMs, reason, joined: joined === 1 };
  }

  async renew(directoryId: string, holder: string): Promise<void> {
    await (await this.redis()).eval(RENEW, 1, this.key(directoryId, 'holders'), holder, this.holdMs);
  }

  async release(directoryId: string, holder: string): Promise<void> {
    await (await this.redis()).zrem(this.key(directoryId, 'holders'), holder);
  }

  /** The site said "not now" (429, Retry-After): the whole fleet leaves it alone for `forMs`. */
  async slowDown(directoryId: string, forMs: number): Promise<void> {
    if (!(forMs > 0)) return;
    // A site's word is taken, up to a point: a year-long Retry-After must not park the directory.
    await (await this.redis()).eval(SLOW_DOWN, 1, this.key(directoryId, 'not-before'), Math.ceil(Math.min(forMs, MAX_SLOW_DOWN_MS)));
  }
}

/** "1 at a time", "10 per minute", "1 at a time, 10 per minute". */
export function describeLimits(limits: DirectoryLimits | undefined): string {
  const parts = [limits?.concurrent && `${limits.concurrent} at a time`, limits?.perMinute && `${limits.perMinute} per minute`].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}
