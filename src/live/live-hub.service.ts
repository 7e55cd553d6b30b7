import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/ids';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Job } from '../orders/job.entity';
import { JobView, jobView } from '../orders/job-view';
import { keyPrefix, newRedisClient, type RedisClient } from '../queue/redis-connection';
import { liveChannel, LiveNotice } from './live.constants';

/**
 * What a listener hears, at most once per order per flush:
 * - `job`: the order's current state, read from PostgreSQL;
 * - `rows`: which of its rows changed (`all` after an order action);
 * - `resync`: notices may have been missed (first connect, Redis reconnect): read everything again.
 */
export type LiveUpdate = { type: 'job'; job: JobView; rows: string[] | 'all' } | { type: 'resync' };

export interface LiveFilter {
  /** One order, or every order (staff only). */
  jobId?: string;
}

interface Listener {
  filter: LiveFilter;
  emit(update: LiveUpdate): void;
}

/** How often announced changes are read and sent: a burst of notices becomes one update per order. */
export const LIVE_FLUSH_MS = 500;

/**
 * The API's end of live updates. Listens on the Redis channel every process announces on (so each
 * replica hears every worker), collects which orders changed, and every LIVE_FLUSH_MS reads those
 * orders from PostgreSQL once and hands them to the listeners that asked for them. Nothing is
 * read while no one listens.
 */
@Injectable()
export class LiveHub implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LiveHub.name);
  private readonly listeners = new Set<Listener>();
  /** Changed orders since the last flush, with their changed rows ('all': reread every row). */
  private dirty = new Map<string, Set<string> | 'all'>();
  private subscriber?: RedisClient;
  private timer?: NodeJS.Timeout;
  private flushing = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const channel = liveChannel(keyPrefix(this.config));
    // Its own connection: a subscribed connection can do nothing else. Retries forever.
    this.subscriber = newRedisClient(this.config, 'worker');
    this.subscriber.on('error', (err) => this.logger.debug(`live channel: ${err.message}`));
    let connectedBefore = false;
    this.subscriber.on('ready', () => {
      // Notices sent while we were away are gone: tell everyone to read afresh.
      if (connectedBefore) this.broadcast({ type: 'resync' });
      connectedBefore = true;
    });
    this.subscriber.on('message', (_channel: string, message: string) => this.note(message));
    void this.subscriber.subscribe(channel).catch((err: unknown) => this.logger.warn(`live channel not subscribed: ${(err as Error).message}`));
    this.timer = setInterval(() => void this.flush(), LIVE_FLUSH_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber?.disconnect();
  }

  /** Updates for `filter`, starting with a resync; ends when the subscriber unsubscribes. */
  updates(filter: LiveFilter): Observable<LiveUpdate> {
    return new Observable<LiveUpdate>((sub) => {
      const listener: Listener = { filter, emit: (u) => sub.next(u) };
      this.listeners.add(listener);
      sub.next({ type: 'resync' });
      return () => this.listeners.delete(listener);
    });
  }

  private note(message: string): void {
    let notices: LiveNotice[];
    try {
      notices = JSON.parse(message) as LiveNotice[];
    } catch {
      return;
    }
    if (!this.listeners.size || !Array.isArray(notices)) return;
    for (const n of notices) {
      if (typeof n?.jobId !== 'string') continue;
      const rows = this.dirty.get(n.jobId);
      if (rows === 'all') continue;
      if (!n.resultId) this.dirty.set(n.jobId, 'all');
      else this.dirty.set(n.jobId, (rows ?? new Set()).add(n.resultId));
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.dirty.size) return;
    const batch = this.dirty;
    this.dirty = new Map();
    this.flushing = true;
    try {
      const ids = [...batch.keys()].filter(isUuid);
      const jobs = ids.length ? await this.db.getRepository(Job).createQueryBuilder('j').where('j.id IN (:...ids)', { ids }).getMany() : [];
      for (const job of jobs) {
        const rows = batch.get(job.id) as Set<string> | 'all';
        const update: LiveUpdate = { type: 'job', job: jobView(job), rows: rows === 'all' ? 'all' : [...rows] };
        for (const l of this.listeners) if (!l.filter.jobId || l.filter.jobId === job.id) l.emit(update);
      }
    } catch (err) {
      // PostgreSQL is away: put the changes back, so they go out once it answers.
      for (const [id, rows] of batch) if (!this.dirty.has(id)) this.dirty.set(id, rows);
      this.logger.debug(`live flush deferred: ${(err as Error).message}`);
    } finally {
      this.flushing = false;
    }
  }

  private broadcast(update: LiveUpdate): void {
    for (const l of this.listeners) l.emit(update);
  }
}
