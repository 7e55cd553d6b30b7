import type { Queue } from 'bullmq';
import type { RedisClient } from './redis-connection';

/**
 * The queue's own ioredis connection, for the few plain commands Boltline sends beside BullMQ's
 * (live notices, worker heartbeats). BullMQ types it as its narrow client interface; it is the
 * ioredis client (one Redis, or the cluster) behind BullMQ's thin wrapper, which passes every
 * other command through, so one connection per process serves both.
 */
export function redisOf(queue: Queue): Promise<RedisClient> {
  return queue.client as unknown as Promise<RedisClient>;
}
