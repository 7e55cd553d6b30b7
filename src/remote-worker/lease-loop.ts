import { firstLine } from '../engine/attempt';
import type { WorkerIdentity } from '../leases/protocol';
import { ApiProblem, ApiUnavailable, type Held, type WorkerApi } from './api-client';
import { CAPABILITIES, POLL_FIRST_MS, POLL_MAX_MS } from './constants';
import { sleep } from './http';
import { warn } from './say';

export interface LoopOptions {
  worker: WorkerIdentity;
  /** Leases in flight at once. */
  slots: number;
  /** Runs one lease to its end; never throws. */
  run(held: Held): Promise<void>;
  /** Why the worker must stop taking work (its browser keeps failing), or undefined. */
  broken(): string | undefined;
}

/** The worker cannot go on: its key was refused, or its browser keeps failing. */
export class WorkerStopped extends Error {}

/**
 * Asks for work while there is room: up to `slots` leases in flight, each run on its own. An
 * empty answer (204) or an API that does not answer waits, 1 s at first, doubling to 10 s while
 * nothing comes. {@link stop} ends the asking; {@link drain} waits for the leases in flight.
 */
export class LeaseLoop {
  private stopping = false;
  private wake?: () => void;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly api: WorkerApi, private readonly opts: LoopOptions) {}

  /** Until {@link stop}; throws {@link WorkerStopped} when the worker cannot go on. */
  async run(): Promise<void> {
    let idle = POLL_FIRST_MS;
    while (!this.stopping) {
      const broken = this.opts.broken();
      if (broken) throw new WorkerStopped(broken);
      const room = this.opts.slots - this.inFlight.size;
      if (room <= 0) {
        await this.pause(Promise.race(this.inFlight));
        continue;
      }
      let leased: Held[];
      try {
        leased = await this.api.lease({ max: room, capabilities: CAPABILITIES, worker: this.opts.worker });
      } catch (err) {
        // A key that is refused stays refused, and an address without the protocol stays without
        // it: say so and stop, rather than ask for ever.
        if (err instanceof ApiProblem && (err.status === 401 || err.status === 403)) throw new WorkerStopped(`the API refused this worker's key: ${err.message}`);
        if (err instanceof ApiProblem && err.status === 404) throw new WorkerStopped(`no lease protocol at this address (check --api): ${err.message}`);
        warn(`asking for work failed: ${firstLine(err)}`);
        await this.pause(sleep(Math.max(idle, err instanceof ApiUnavailable ? (err.retryAfterMs ?? 0) : 0)));
        idle = Math.min(idle * 2, POLL_MAX_MS);
        continue;
      }
      if (!leased.length) {
        await this.pause(sleep(idle));
        idle = Math.min(idle * 2, POLL_MAX_MS);
        continue;
      }
      idle = POLL_FIRST_MS;
      for (const held of leased) this.track(this.opts.run(held));
    }
  }

  /** Asks for no more work; the wait in progress ends at once. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** Until every lease in flight has ended, or `ms` passed: whether they all did. */
  async drain(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    try {
      return await Promise.race([Promise.all(this.inFlight).then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private track(running: Promise<void>): void {
    const tracked = running.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Waits for `until`, or for {@link stop}. */
  private async pause(until: Promise<unknown>): Promise<void> {
    await Promise.race([until, new Promise<void>((r) => (this.wake = r))]);
  }
}
