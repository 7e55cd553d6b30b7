import { firstLine } from '../engine/attempt';
import type { Lease } from '../leases/protocol';
import { type Held, LeaseExpired, type WorkerApi } from './api-client';
import { MIN_HEARTBEAT_MS } from './constants';

/**
 * Keeps one lease alive while its attempt runs: a heartbeat every `heartbeatMs` with a word on
 * where the attempt is, and the lease's end on this machine's clock. The lease is lost when the
 * server says so (a 409 lease-expired from any call) or when its end passes unrenewed (the
 * server has given the work to someone else by then); {@link onLost} then stops the attempt at
 * once, and nothing about it is reported.
 */
export class LeaseWatch {
  /** Shown to staff: "opening", "filling", "submitting", "verifying", "reporting". */
  progress = 'opening';
  private why?: string;
  private stopped = false;
  private beat?: NodeJS.Timeout;
  private expiry?: NodeJS.Timeout;
  private readonly lost: Array<() => void> = [];
  private readonly lease: Lease;
  /** The heartbeat's period: the lease's, never so short that a server's mistake makes it a flood. */
  private readonly every: number;

  constructor(private readonly api: WorkerApi, held: Held) {
    this.lease = held.lease;
    this.every = Math.max(this.lease.heartbeatMs, MIN_HEARTBEAT_MS);
    this.renewed(held.expiresAt);
    this.schedule(this.every);
  }

  /** Why the lease is gone, or undefined while it is held. */
  get lostBecause(): string | undefined {
    return this.why;
  }

  /** Runs `stop` when the lease is lost (at once if it already is). */
  onLost(stop: () => void): void {
    if (this.why) stop();
    else this.lost.push(stop);
  }

  /** The server extended the lease until `expiresAt` (local ms). */
  renewed(expiresAt: number): void {
    clearTimeout(this.expiry);
    if (this.stopped || this.why) return;
    this.expiry = setTimeout(() => this.lose('the lease ran out before a heartbeat got through'), Math.max(0, expiresAt - Date.now()));
  }

  /** A call about the lease failed: a LeaseExpired loses it; anything else is for the caller. */
  noticed(err: unknown): void {
    if (err instanceof LeaseExpired) this.lose(`the server ended the lease (${firstLine(err)})`);
  }

  lose(why: string): void {
    if (this.why) return;
    this.why = why;
    this.stop();
    for (const stop of this.lost.splice(0)) stop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.beat);
    clearTimeout(this.expiry);
  }

  private schedule(ms: number): void {
    if (!this.stopped) this.beat = setTimeout(() => void this.heartbeat(), ms);
  }

  private async heartbeat(): Promise<void> {
    const started = Date.now();
    const every = this.every;
    try {
      // Retried for half a period at most, so the next one is still on time.
      this.renewed(await this.api.heartbeat(this.lease, { progress: this.progress }, every / 2));
    } catch (err) {
      // Not lost yet: the next heartbeat tries again, and the lease's end decides.
      this.noticed(err);
    }
    this.schedule(Math.max(0, started + every - Date.now()));
  }
}
