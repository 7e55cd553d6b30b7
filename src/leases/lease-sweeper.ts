import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ResultsService } from '../results/results.service';
import { LeaseQueue } from './lease-queue';
import { LeaseStore } from './lease-store';
import { LeasesService } from './leases.service';

/** How often each API replica looks for leases to end. */
const SWEEP_MS = 2000;
/** A report still settling after this long was cut off half-way (a settle takes well under a second). */
const STUCK_SETTLING_MS = 120_000;

/**
 * Ends leases that nobody may hold any more: past their time (the entry's lock lapsed with them,
 * and BullMQ's stalled check puts it back), or of a key that was revoked or expired, whose
 * entries go back to the queue at once with the attempt given back (a click already recorded
 * stays `submitting`, so the next attempt verifies). Either way the lease's token opens nothing
 * from then on and its directory turn is freed. Every API replica sweeps; ending is conditional,
 * so each lease is ended once.
 */
@Injectable()
export class LeaseSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaseSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly store: LeaseStore,
    private readonly queue: LeaseQueue,
    private readonly results: ResultsService,
    private readonly leases: LeasesService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((err: unknown) => this.logger.warn(`lease sweep: ${(err as Error).message}`))
        .finally(() => (this.sweeping = undefined));
    }, SWEEP_MS);
  }

  /** Ends what has lapsed; resolves to how many leases it ended. */
  async sweep(): Promise<number> {
    const unstuck = await this.store.unstick(STUCK_SETTLING_MS);
    if (unstuck) this.logger.warn(`${unstuck} lease report(s) left half-settled were opened again`);
    let ended = 0;
    for (const lease of await this.store.lapsed()) {
      if (!(await this.leases.end(lease, lease.revoked ? 'revoked' : 'expired'))) continue;
      ended++;
      if (!lease.revoked) continue;
      const detail = `lease ${lease.id} of worker ${lease.workerId} ended: its API key was revoked`;
      await this.results.release({ resultId: lease.resultId, jobId: lease.jobId, token: lease.token }, [{ at: new Date().toISOString(), attempt: lease.attempt, event: 'given back; not counted as an attempt', detail }]);
      const entry = await this.queue.entry(lease.queue, lease.queueEntryId);
      if (entry) await this.queue.giveBack(entry, lease.queueToken).catch(() => undefined);
      this.logger.warn(detail);
    }
    return ended;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }
}
