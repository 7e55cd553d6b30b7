import type { RedisOptions } from 'ioredis';

/**
 * ioredis options from a redis:// or rediss:// URL. Workers must retry forever (BullMQ requires
 * `maxRetriesPerRequest: null` for blocking commands); producers fail fast instead, so a request or
 * the outbox relay sees an error rather than hanging while Redis is away.
 */
export function redisOptionsFromUrl(url: string, role: 'producer' | 'worker'): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 5000,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
  };
}
