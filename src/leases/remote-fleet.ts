import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { FORGET_AFTER_MS, fleetIndexKey, fleetWorkerKey, WorkerBeat } from '../live/live.constants';
import { redisOf } from '../queue/queue-redis';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';
import type { Caller } from '../auth/caller';
import { LeaseStore } from './lease-store';
import { IDLE_POLL_MAX_MS, type WorkerIdentity } from './protocol';
import { keyPrefix } from '../queue/redis-connection';

/**
 * Remote workers in the staff dashboard's fleet view, beside the fleet's own: the API writes a
 * worker's heartbeat for it whenever it calls (a lease, a heartbeat, a report), with the leases
 * it holds as its busy slots. A remote worker that stops calling is shown as gone like any other.
 */
@Injectable()
export class RemoteFleet {
  private readonly logger = new Logger(RemoteFleet.name);

  constructor(
    private readonly store: LeaseStore,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async beat(caller: Pick<Caller, 'keyId' | 'name'>, worker: WorkerIdentity): Promise<void> {
    const { keyId } = caller;
    try {
      const id = `${worker.kind}-${keyId}-${worker.id}`;
      const prefix = keyPrefix(this.config);
      const redis = await redisOf(this.queue);
      const [leases, before] = await Promise.all([this.store.openOf(keyId, worker.id), redis.get(fleetWorkerKey(prefix, id))]);
      const now = new Date().toISOString();
      const beat: WorkerBeat = {
        id,
        kind: worker.kind,
        version: worker.version,
        keyName: caller.name,
        host: worker.id,
        pid: 0,
        concurrency: this.config.WORKER_MAX_LEASES_PER_KEY,
        // It calls at least every third of a lease while it holds one, and polls when idle.
        goneAfterMs: Math.max(this.config.WORKER_LEASE_MS, IDLE_POLL_MAX_MS * 3),
        startedAt: before ? (JSON.parse(before) as WorkerBeat).startedAt : now,
        beatAt: now,
        slots: leases.map((l) => ({ resultId: l.resultId, jobId: l.jobId, directoryId: l.directoryId, attempt: l.attempt, since: l.createdAt.toISOString(), leaseId: l.id, progress: l.progress ?? undefined })),
      };
      await redis
        .multi()
        .set(fleetWorkerKey(prefix, id), JSON.stringify(beat), 'PX', FORGET_AFTER_MS)
        .zadd(fleetIndexKey(prefix), Date.now(), id)
        .exec();
    } catch (err) {
      this.logger.debug(`remote worker's heartbeat not written: ${(err as Error).message}`);
    }
  }
}
