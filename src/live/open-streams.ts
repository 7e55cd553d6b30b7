import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, CanActivate, ExecutionContext, Inject, Injectable, Logger, MessageEvent, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { concat, filter, finalize, map, Observable, ReplaySubject, take, takeUntil } from 'rxjs';
import { DataSource } from 'typeorm';
import { accessChannel, AccessNotice } from '../auth/access-notices';
import { currentCallers } from '../auth/api-keys.service';
import { AuthenticatedRequest, Caller, isAdmin, type Reach, reachOf, reachOrNone, sameReach } from '../auth/caller';
import type { StaffRequest } from '../auth/staff-sessions';
import { signedInSessions } from '../auth/staff.service';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { redisOf } from '../queue/queue-redis';
import { keyPrefix, newRedisClient, type RedisClient } from '../queue/redis-connection';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';
import { STREAM_SLOT_RENEW_MS, streamSlotsKey } from './live.constants';
import { Bucket, StreamSlots } from './stream-slots';

/** Who holds an event stream: an API key (or its event token), from an address; or a staff sign-in. */
export type StreamHolder = { kind: 'key'; keyId: string; reach: Reach; address: string } | { kind: 'staff'; staffId: string; sessionId: string };

/** Ends a stream's events, after an `end` event, when its holder's access ends. */
export type StreamBound = (events: Observable<MessageEvent>) => Observable<MessageEvent>;
type StreamRequest = AuthenticatedRequest & StaffRequest & { streamBound?: StreamBound };

/** What a client refused for too many streams is told to wait: a stream of its own has to end first. */
const STREAMS_RETRY_AFTER_S = 30;
/** A stream ended by us whose client does not read the end: its connection is cut after this long. */
const END_GRACE_MS = 5000;
/** The reason a stream ends when its replica stops: the client is not told to stay away. */
const SHUTTING_DOWN = 'the server is shutting down';

interface OpenStream {
  id: string;
  holder: StreamHolder;
  /** The Redis sets it holds a slot in; empty when not counted there. */
  slots: string[];
  /** Emits once, why the stream ends. */
  end: ReplaySubject<string>;
  ending: boolean;
  res: Response;
}

/**
 * Every event stream this API replica serves, so that none outlives its holder's right to it:
 * - at most MAX_STREAMS_PER_KEY per API key and MAX_STREAMS_PER_ADDRESS per client address,
 *   counted in Redis over all replicas (429 beyond); should Redis be away, each replica counts
 *   its own streams against the same caps;
 * - a stream ends (an `end` event with the reason, then the response ends) once its key is revoked
 *   or expired or its account or scopes changed, or its staff member is disabled or signed out.
 *   A replica learns of a change in two ways: a notice on Redis (`accessChannel`), which the API
 *   and the keys and staff commands send after committing one, makes it recheck that holder at
 *   once; and every STREAM_RECHECK_MS it rechecks every holder anyway, which catches expiries,
 *   changes made in SQL and notices lost while Redis was away. Either way PostgreSQL decides,
 *   never the notice. An EventSource that reconnects afterwards is refused (401).
 */
@Injectable()
export class OpenStreams implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(OpenStreams.name);
  private readonly streams = new Map<string, OpenStream>();
  private readonly slots: StreamSlots;
  private subscriber?: RedisClient;
  private timers: NodeJS.Timeout[] = [];
  /** Rechecks run one after another. */
  private checking: Promise<void> = Promise.resolve();
  private warnedCounting = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.slots = new StreamSlots(() => redisOf(queue));
  }

  onModuleInit(): void {
    // Its own connection: a subscribed connection can do nothing else. Retries forever.
    this.subscriber = newRedisClient(this.config, 'worker');
    this.subscriber.on('error', (err) => this.logger.debug(`access channel: ${err.message}`));
    let connectedBefore = false;
    this.subscriber.on('ready', () => {
      // Notices sent while we were away are gone: recheck everyone.
      if (connectedBefore) this.recheckSoon({});
      connectedBefore = true;
    });
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        const notice = JSON.parse(message) as AccessNotice;
        if (notice && typeof notice === 'object') this.recheckSoon(notice);
      } catch {
        // not ours to read
      }
    });
    void this.subscriber.subscribe(accessChannel(keyPrefix(this.config))).catch((err: unknown) => this.logger.warn(`access channel not subscribed: ${(err as Error).message}`));
    this.timers = [
      setInterval(() => this.recheckSoon({}), this.config.STREAM_RECHECK_MS),
      setInterval(() => void this.renewSlots(), STREAM_SLOT_RENEW_MS),
    ];
  }

  /**
   * Ends every stream before the HTTP server closes, with no `end` event: `end` means "do not come
   * back", and these clients should reconnect (EventSource does so by itself) to another replica.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.timers.forEach(clearInterval);
    this.subscriber?.disconnect();
    for (const s of this.streams.values()) this.close(s, SHUTTING_DOWN);
  }

  /**
   * Registers a stream about to be served on `res` (429 when its holder has too many), and
   * answers the operator that bounds its events: they end, after an `end` event, when the holder's
   * access does. The slot is given back when the response closes, however it ends.
   */
  async open(holder: StreamHolder, res: Response): Promise<StreamBound> {
    const id = randomUUID();
    const buckets = this.bucketsOf(holder);
    let slots: string[] = [];
    let full: Bucket | undefined;
    try {
      full = await this.slots.take(id, buckets);
      slots = buckets.map((b) => b.key);
      this.warnedCounting = false;
    } catch (err) {
      if (!this.warnedCounting) this.logger.warn(`event streams counted per replica while Redis does not answer: ${(err as Error).message}`);
      this.warnedCounting = true;
      const open = [...this.streams.values()].map((s) => this.bucketsOf(s.holder).map((o) => o.key));
      full = buckets.find((b) => open.filter((keys) => keys.includes(b.key)).length >= b.cap);
    }
    if (full) {
      const who = full === buckets[0] ? 'This API key' : 'This client address';
      throw new ProblemException('stream-limit', `${who} has ${full.cap} event streams open, the most it may have at once; close one, then retry.`, undefined, {
        'Retry-After': String(STREAMS_RETRY_AFTER_S),
      });
    }
    const stream: OpenStream = { id, holder, slots, end: new ReplaySubject<string>(1), ending: false, res };
    this.streams.set(id, stream);
    res.once('close', () => this.release(stream));
    // The client may have left while its slot was being taken: then no 'close' is still to come.
    if (res.destroyed || !res.socket || res.socket.destroyed) this.release(stream);
    return (events) =>
      concat(
        events.pipe(takeUntil(stream.end)),
        stream.end.pipe(
          take(1),
          filter((reason) => reason !== SHUTTING_DOWN),
          map((reason): MessageEvent => ({ type: 'end', data: { reason } })),
        ),
      ).pipe(finalize(() => this.release(stream)));
  }

  /** Rechecks the holders `notice` names ({}: all) against PostgreSQL, and ends the streams of those that lost access. */
  async recheck(notice: AccessNotice = {}): Promise<void> {
    const targets = [...this.streams.values()].filter((s) => !s.ending && concerns(notice, s.holder));
    if (!targets.length) return;
    const keyIds = [...new Set(targets.flatMap((s) => (s.holder.kind === 'key' ? [s.holder.keyId] : [])))];
    const sessionIds = [...new Set(targets.flatMap((s) => (s.holder.kind === 'staff' ? [s.holder.sessionId] : [])))];
    const [callers, sessions] = await Promise.all([currentCallers(this.db.manager, keyIds), signedInSessions(this.db.manager, sessionIds)]);
    for (const s of targets) {
      const reason = s.holder.kind === 'key' ? keyRefusal(s.holder, callers.get(s.holder.keyId)) : sessions.has(s.holder.sessionId) ? undefined : 'Your staff sign-in has ended; sign in again.';
      if (reason) this.close(s, reason);
    }
  }

  private recheckSoon(notice: AccessNotice): void {
    this.checking = this.checking
      .then(() => this.recheck(notice))
      // PostgreSQL away (the watchdog reports that): the streams stay until a recheck can ask it.
      .catch((err: unknown) => this.logger.debug(`event stream holders not rechecked: ${(err as Error).message}`));
  }

  private bucketsOf(holder: StreamHolder): Bucket[] {
    if (holder.kind !== 'key') return []; // staff streams: one per dashboard tab, not capped
    const prefix = keyPrefix(this.config);
    return [
      { key: streamSlotsKey(prefix, `key:${holder.keyId}`), cap: this.config.MAX_STREAMS_PER_KEY },
      { key: streamSlotsKey(prefix, `address:${holder.address}`), cap: this.config.MAX_STREAMS_PER_ADDRESS },
    ];
  }

  private close(s: OpenStream, reason: string): void {
    if (s.ending) return;
    s.ending = true;
    s.end.next(reason);
    s.end.complete();
    // A client that does not read the end event keeps its connection no longer than this.
    setTimeout(() => s.res.destroy(), END_GRACE_MS).unref();
  }

  private release(s: OpenStream): void {
    if (!this.streams.delete(s.id)) return;
    void this.slots.release(s.id, s.slots).catch(() => undefined); // else its lease runs out
  }

  private async renewSlots(): Promise<void> {
    const slots = [...this.streams.values()].flatMap((s) => s.slots.map((key) => ({ streamId: s.id, key })));
    await this.slots.renew(slots).catch((err: unknown) => this.logger.debug(`stream slots not renewed: ${(err as Error).message}`));
  }
}

function concerns(notice: AccessNotice, holder: StreamHolder): boolean {
  if (holder.kind === 'staff') return !notice.keyId && !notice.accountId && (!notice.staffId || notice.staffId === holder.staffId);
  if (notice.staffId) return false;
  if (notice.keyId && notice.keyId !== holder.keyId) return false;
  return !notice.accountId || (holder.reach.kind === 'account' && holder.reach.accountId === notice.accountId);
}

/** Why a key's stream must end now, if it must: the key is gone, or it may no longer see what it saw. */
function keyRefusal(holder: Extract<StreamHolder, { kind: 'key' }>, now: Caller | undefined): string | undefined {
  if (!now) return 'The API key of this stream has been revoked or has expired.';
  const reads = isAdmin(now) || now.scopes.includes('jobs:read') || now.scopes.includes('jobs:write');
  if (!reads || !sameReach(holder.reach, reachOrNone(now))) return "The API key's access has changed; open the stream again.";
  return undefined;
}

/**
 * Registers an event stream before it starts, for routes that serve one (`@UseGuards(StreamGuard)`
 * after the guards that decide who may see it): a refusal (429) must be an HTTP answer, and once
 * an @Sse handler runs the status is 200 and an error could only be an event. The handler bounds
 * its events with {@link streamBound}.
 */
@Injectable()
export class StreamGuard implements CanActivate {
  constructor(private readonly streams: OpenStreams) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<StreamRequest>();
    req.streamBound = await this.streams.open(holderOf(req), context.switchToHttp().getResponse<Response>());
    return true;
  }
}

/** The bound {@link StreamGuard} made for this request's stream. */
export function streamBound(req: Request): StreamBound {
  const bound = (req as StreamRequest).streamBound;
  if (!bound) throw new Error('an event stream route without StreamGuard');
  return bound;
}

/** The API key that passed the key guard, or the staff member that passed requireStaff; nobody else. */
function holderOf(req: StreamRequest): StreamHolder {
  if (req.caller) return { kind: 'key', keyId: req.caller.keyId, reach: reachOf(req.caller), address: req.ip ?? 'unknown' };
  if (req.staff && req.sessionID) return { kind: 'staff', staffId: req.staff.id, sessionId: req.sessionID };
  throw new ProblemException(401, 'An event stream needs an API key, an event token or a staff sign-in.');
}
