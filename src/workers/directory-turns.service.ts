import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import type { DirectoryLimits } from '../directories/definition/adapter.schema';
import { redisOf } from '../queue/queue-redis';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';
import { DirectoryPaused } from './attempt-errors';
import { describeLimits, DirectoryLimiter, placeInLine, Turn } from './directory-limits';
import { keyPrefix } from '../queue/redis-connection';

export interface DirectoryState {
  limits: DirectoryLimits | undefined;
  /** Why the directory paused itself; undefined when it is not paused. */
  paused: string | undefined;
  /** Its definition signs in (the attempt needs its stored credentials). */
  signsIn: boolean;
  /** Its definition uploads the customer's logo (a file on the fleet's disk). */
  uploadsLogo: boolean;
  /** Its definition says a person finishes the form: its entries belong in ASSISTED_QUEUE. */
  assisted: boolean;
}

/** How long a worker trusts what it read of a directory (its limits, whether it is paused). */
const LIMITS_CACHE_MS = 5000;
/** A holder's lease outlasts the longest attempt (verification, then the submission), or a remote worker's lease, by this much. */
const HOLD_MARGIN_MS = 30_000;

/** A directory's turns for this worker process: its limits from PostgreSQL, its line in Redis. */
@Injectable()
export class DirectoryTurns {
  private readonly limiter: DirectoryLimiter;
  private readonly cache = new Map<string, { state: DirectoryState; at: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) queue: Queue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // A remote worker's lease holds its turn between heartbeats: the hold outlasts a lease too.
    this.limiter = new DirectoryLimiter(() => redisOf(queue), keyPrefix(config), Math.max(config.SUBMIT_TIMEOUT_MS, config.WORKER_LEASE_MS) + HOLD_MARGIN_MS);
  }

  /**
   * What decides whether the directory may be tried now: the limits of its current definition (the
   * revision the claim will run) and whether it paused itself (see DirectoryAttention).
   */
  async stateOf(directoryId: string): Promise<DirectoryState> {
    const hit = this.cache.get(directoryId);
    if (hit && Date.now() - hit.at < LIMITS_CACHE_MS) return hit.state;
    const [row]: Array<{ limits: DirectoryLimits | null; paused_reason: string | null; paused: boolean; signs_in: boolean; uploads_logo: boolean; assisted: boolean }> = await this.db.query(
      `SELECT adapter->'limits' AS limits, paused_at IS NOT NULL AS paused, paused_reason, adapter ? 'login' AS signs_in,
              jsonb_path_exists(adapter, '$.**.field ? (@ == "logo")') AS uploads_logo, coalesce((adapter->>'assisted')::boolean, false) AS assisted
         FROM directories WHERE id = $1`,
      [directoryId],
    );
    const state = {
      limits: row?.limits ?? undefined,
      paused: row?.paused ? (row.paused_reason ?? 'paused') : undefined,
      signsIn: row?.signs_in ?? false,
      uploadsLogo: row?.uploads_logo ?? false,
      assisted: row?.assisted ?? false,
    };
    this.cache.set(directoryId, { state, at: Date.now() });
    return state;
  }

  /**
   * Whether a queue entry may go to its directory now: the holder of its turn, or when to look
   * again (the entry waits, uncounted, holding no worker slot; `note` goes on the row's log the
   * first time). Throws DirectoryPaused while the directory is paused.
   */
  async admit(directoryId: string, entryId: string, priority: number, timestamp: number): Promise<{ holder: string } | { until: number; note?: { event: string; detail: string } }> {
    const { limits, paused } = await this.stateOf(directoryId);
    if (paused) throw new DirectoryPaused(paused);
    const turn = await this.take(directoryId, entryId, placeInLine(priority, timestamp), limits);
    if (turn.go) return { holder: turn.holder };
    return { until: Date.now() + turn.waitMs, note: turn.joined ? { event: `waiting: directory limit ${describeLimits(limits)}`, detail: turn.reason } : undefined };
  }

  take(directoryId: string, waiter: string, place: string, limits: DirectoryLimits | undefined): Promise<Turn> {
    return this.limiter.take(directoryId, waiter, place, limits);
  }

  /**
   * Runs `work` holding the turn: the lease is renewed while it runs, and given back however it
   * ends (a SIGKILL leaves it to expire).
   */
  async holding<T>(directoryId: string, holder: string, work: () => Promise<T>): Promise<T> {
    const renew = setInterval(() => void this.limiter.renew(directoryId, holder).catch(() => undefined), this.limiter.holdMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.limiter.release(directoryId, holder).catch(() => undefined);
    }
  }

  /** Keeps a turn taken by {@link admit} for a holder outside this process (a remote worker's lease). */
  renew(directoryId: string, holder: string): Promise<void> {
    return this.limiter.renew(directoryId, holder);
  }

  release(directoryId: string, holder: string): Promise<void> {
    return this.limiter.release(directoryId, holder);
  }

  /** The site said "not now" (429, Retry-After): no worker starts a submission to it for `forMs`. */
  slowDown(directoryId: string, forMs: number): Promise<void> {
    return this.limiter.slowDown(directoryId, forMs);
  }
}
