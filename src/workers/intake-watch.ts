import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue, Worker } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';

/**
 * Whether this worker still takes work: the readiness of a worker process beyond "Redis answers".
 * A worker can be connected and still take nothing (a blocking connection that hangs after a
 * Redis reconnect, a main loop that stopped): from outside that shows only as entries waiting
 * while this worker has free slots and takes none. So the watch samples the queue every
 * WORKER_STALL_MS / 4 and turns red once entries have waited, with a slot of this worker free
 * and the queue not paused, for WORKER_STALL_MS without this worker taking any. An idle worker
 * with nothing to take stays green: it can only be judged once there is work.
 */
@Injectable()
export class IntakeWatch {
  private worker?: () => Worker;
  private lastTakenAt = Date.now();
  /** When the entries now waiting were first seen takeable, with no take since. */
  private waitingSince?: number;
  private timer?: NodeJS.Timeout;
  /** Submissions in flight in this worker. */
  inFlight = 0;

  constructor(
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The processor's BullMQ worker, read when needed (it exists once the processor is set up). */
  attach(worker: () => Worker): void {
    this.worker = worker;
  }

  /** A submission started here. */
  taken(): void {
    this.inFlight++;
    this.lastTakenAt = Date.now();
    this.waitingSince = undefined;
  }

  /** A submission started here ended (whatever its outcome). */
  done(): void {
    this.inFlight--;
  }

  /** Samples from now on; only a process that reports its readiness needs them. */
  start(): void {
    const every = Math.max(250, Math.floor(this.config.WORKER_STALL_MS / 4));
    this.timer = setInterval(() => void this.sample().catch(() => undefined), every).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Why this worker is not taking work, or undefined when it is (or has nothing to take). */
  stalled(now = Date.now()): string | undefined {
    const worker = this.worker?.();
    if (!worker) return 'the consumer has not started';
    if (worker.closing) return 'shutting down';
    if (worker.isPaused()) return 'paused: it takes no work (drained, or its browser kept failing)';
    if (!worker.isRunning()) return 'the consumer is not running';
    if (this.waitingSince !== undefined && now - this.waitingSince >= this.config.WORKER_STALL_MS) {
      const s = (ms: number) => `${Math.round(ms / 1000)} s`;
      return `entries have waited ${s(now - this.waitingSince)} with a slot of this worker free and it took none (its last ${s(now - this.lastTakenAt)} ago)`;
    }
    return undefined;
  }

  /** Looks at the queue once (every WORKER_STALL_MS / 4 once started). */
  async sample(at = Date.now()): Promise<void> {
    const [counts, paused] = await Promise.all([this.queue.getJobCounts('wait', 'prioritized'), this.queue.isPaused()]);
    const takeable = counts.wait + counts.prioritized > 0 && !paused && this.inFlight < this.config.WORKER_CONCURRENCY;
    // A take since the sample began resets the clock: only what waited after it counts.
    if (!takeable) this.waitingSince = undefined;
    else if (this.waitingSince === undefined && this.lastTakenAt <= at) this.waitingSince = at;
  }
}
