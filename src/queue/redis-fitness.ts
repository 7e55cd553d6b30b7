import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { redisOf } from './queue-redis';
import { SUBMISSION_QUEUE } from './queue.constants';

/** The `name:value` lines of a Redis INFO section. */
export function parseInfo(info: string): Map<string, string> {
  return new Map(
    info
      .split(/\r?\n/)
      .filter((l) => l && !l.startsWith('#') && l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]),
  );
}

/**
 * Judges a Redis server for queue duty. An evicting policy drops queued jobs silently under memory
 * pressure, so it is refused; a server without persistence forgets everything on restart, which
 * the reconciler repairs from PostgreSQL, so it is only worth a warning.
 */
export function judgeRedis(memory: Map<string, string>, persistence: Map<string, string>, saveConfig: string | undefined) {
  const policy = memory.get('maxmemory_policy') ?? 'unknown';
  const error =
    policy === 'noeviction'
      ? undefined
      : `Redis maxmemory-policy is ${policy}; Boltline needs noeviction, or Redis may drop queued jobs under memory pressure. ` +
        `Set it with \`CONFIG SET maxmemory-policy noeviction\` (and in redis.conf).`;
  const aof = persistence.get('aof_enabled') === '1';
  const rdb = saveConfig !== undefined && saveConfig.trim() !== '';
  const warning =
    aof || rdb || saveConfig === undefined
      ? undefined
      : 'Redis keeps nothing on disk (no AOF, no RDB snapshots): after a restart the reconciler re-enqueues open work from PostgreSQL.';
  return { error, warning };
}

/** Checks the queue's Redis once at start; a bad policy stops the process with a message. */
@Injectable()
export class RedisFitness implements OnApplicationBootstrap {
  private readonly logger = new Logger(RedisFitness.name);

  constructor(@InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    const client = await redisOf(this.queue);
    // On a cluster, every master holds queue keys (one deployment's on one of them): each is judged.
    const servers: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    for (const server of servers) await this.judge(server);
  }

  private async judge(client: Redis): Promise<void> {
    const [memory, persistence] = await Promise.all([client.info('memory'), client.info('persistence')]);
    // CONFIG is often disabled on managed Redis; then RDB settings are simply unknown.
    const save = await client
      .config('GET', 'save')
      .then((r) => (r as unknown as string[])[1])
      .catch(() => undefined);
    const { error, warning } = judgeRedis(parseInfo(memory), parseInfo(persistence), save);
    if (error) throw new Error(error);
    if (warning) this.logger.warn(warning);
  }
}
