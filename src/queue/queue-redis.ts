import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';

/**
 * The queue's own ioredis connection, for the few plain commands Boltline sends beside BullMQ's
 * (live notices, worker heartbeats). BullMQ types it as its narrow client interface; it is the
 * ioredis instance made from our connection options, so one connection per process serves both.
 */
export function redisOf(queue: Queue): Promise<IORedis> {
  return queue.client as unknown as Promise<IORedis>;
}
