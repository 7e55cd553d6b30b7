import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { hostname } from 'node:os';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { FORGET_AFTER_MS, fleetDrainKey, fleetIndexKey, fleetWorkerKey, HEARTBEAT_MS, WorkerBeat, WorkerSlot } from '../live/live.constants';
import { redisOf } from '../queue/queue-redis';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';
import { keyPrefix } from '../queue/redis-connection';
import { WORKER_ID } from './worker-id';

/**
 * This worker process's heartbeat in Redis: who it is and what each of its slots is doing, for the
 * staff dashboard's fleet view. A process that stops beating (killed, frozen, cut off) is shown as
 * gone by the dashboard; one that shuts down cleanly removes itself.
 */
@Injectable()
export class WorkerFleet implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerFleet.name);
  private readonly slots = new Map<string, WorkerSlot>();
  private readonly startedAt = new Date().toISOString();
  readonly id = WORKER_ID;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private draining = false;
  private onDrain?: () => Promise<void>;

  constructor(
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.beat();
  }

  /** What draining does: the processor stops taking work (in-flight submissions finish). */
  whenAskedToDrain(drain: () => Promise<void>): void {
    this.onDrain = drain;
  }

  /** A slot took up a row; shown until {@link end}. */
  start(slot: Omit<WorkerSlot, 'since'>): void {
    this.slots.set(slot.resultId, { ...slot, since: new Date().toISOString() });
    this.beat();
  }

  end(resultId: string): void {
    if (this.slots.delete(resultId)) this.beat();
  }

  /** Writes the heartbeat now, unless one is still on its way (Redis slow or away). */
  private beat(): void {
    if (this.beating) return;
    const beat: WorkerBeat = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      concurrency: this.config.WORKER_CONCURRENCY,
      startedAt: this.startedAt,
      beatAt: new Date().toISOString(),
      slots: [...this.slots.values()],
      ...(this.draining ? { draining: true } : {}),
    };
    const prefix = keyPrefix(this.config);
    this.beating = redisOf(this.queue)
      .then((redis) =>
        redis
          .multi()
          .set(fleetWorkerKey(prefix, this.id), JSON.stringify(beat), 'PX', FORGET_AFTER_MS)
          .zadd(fleetIndexKey(prefix), Date.now(), this.id)
          .zremrangebyscore(fleetIndexKey(prefix), 0, Date.now() - FORGET_AFTER_MS)
          .exists(fleetDrainKey(prefix, this.id))
          .exec(),
      )
      .then((replies) => {
        if (replies?.[3]?.[1] && !this.draining) void this.drain();
      })
      .catch((err: unknown) => this.logger.debug(`heartbeat not written: ${(err as Error).message}`))
      .finally(() => (this.beating = undefined));
  }

  /** Asked to drain (its key in Redis, seen with a heartbeat): once, logged, shown in the next beat. */
  private async drain(): Promise<void> {
    this.draining = true;
    this.logger.warn('asked to drain: taking no more work; in-flight submissions finish');
    await this.onDrain?.().catch((err: unknown) => this.logger.error(`drain failed: ${(err as Error).message}`));
    this.logger.warn('drained: nothing in flight; stop this process when convenient');
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    const prefix = keyPrefix(this.config);
    const redis = await redisOf(this.queue);
    await Promise.race([
      redis.multi().del(fleetWorkerKey(prefix, this.id), fleetDrainKey(prefix, this.id)).zrem(fleetIndexKey(prefix), this.id).exec(),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]).catch(() => undefined);
  }
}
