import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/config.schema';
import { redisOptionsFromUrl } from './redis-options';

/** A client of one Redis or of a Redis Cluster: the commands Boltline sends work on both. */
export type RedisClient = Redis | Cluster;
export type RedisRole = 'producer' | 'worker';
type Settings = Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>;

/**
 * The prefix of every key and channel of a deployment. On a Redis Cluster it is a hash tag
 * (`{boltline}`), so that all of a deployment's keys hash to one slot: BullMQ's scripts touch
 * several keys of a queue at once, and so do Boltline's own (heartbeats, directory turns, stream
 * slots). The cluster still fails over; several deployments spread over its masters.
 */
export function keyPrefix(config: Pick<Settings, 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>): string {
  return config.REDIS_CLUSTER_NODES ? `{${config.QUEUE_PREFIX}}` : config.QUEUE_PREFIX;
}

/** Cluster clients made here: BullMQ does not close a client it was given, so the queue module does (closeClusterClients). */
const clusters = new Set<Cluster>();

/** A new client, one Redis or the cluster, with the role's retry rules (redis-options.ts). */
export function newRedisClient(config: Settings, role: RedisRole, extra: RedisOptions = {}): RedisClient {
  if (!config.REDIS_CLUSTER_NODES) return new Redis({ ...redisOptionsFromUrl(config.REDIS_URL, role), ...extra });
  // Each node's connection takes REDIS_URL's credentials, TLS and retry rules; never its host or db.
  const { host: _host, port: _port, db: _db, enableOfflineQueue, ...perNode } = { ...redisOptionsFromUrl(config.REDIS_URL, role), ...extra };
  const cluster = new Cluster(config.REDIS_CLUSTER_NODES, {
    redisOptions: perNode,
    enableOfflineQueue,
    lazyConnect: extra.lazyConnect,
    // A failover takes the cluster a few seconds: keep asking until a replica has taken over.
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 500,
  });
  clusters.add(cluster);
  cluster.once('end', () => clusters.delete(cluster));
  return cluster;
}

/**
 * What BullMQ takes as `connection`: options for one Redis (BullMQ makes and closes its clients),
 * or a cluster client, which it shares and never closes.
 */
export function queueConnection(config: Settings, role: RedisRole): RedisOptions | Cluster {
  return config.REDIS_CLUSTER_NODES ? (newRedisClient(config, role) as Cluster) : redisOptionsFromUrl(config.REDIS_URL, role);
}

/**
 * A BullMQ worker's own connection options, its main connection named `name` (BullMQ names the
 * blocking one after the queue and the worker's `name`). On a cluster nothing is added: BullMQ then
 * shares the process's cluster client, made at start-up, not when a decorator is read.
 */
export function namedConnection(config: Settings, role: RedisRole, name: string): { connection?: RedisOptions } {
  return config.REDIS_CLUSTER_NODES ? {} : { connection: { ...redisOptionsFromUrl(config.REDIS_URL, role), connectionName: name } };
}

/** Closes the cluster clients still open (at shutdown, after the queues). */
export async function closeClusterClients(): Promise<void> {
  await Promise.all([...clusters].map((c) => c.quit().catch(() => c.disconnect())));
}
