import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { DatabaseWatchdog } from '../database/database-watchdog';
import type { Scope } from './api-key';
import { ApiKeysService, KeyRefusal } from './api-keys.service';
import { EventTokens } from './event-tokens';
import { AuthenticatedRequest, Caller, EVENT_TOKEN_KEY, isAdmin, SCOPES_KEY } from './caller';
import { KeyThrottlerGuard, RateLimitStorage } from './rate-limit';

const REFUSALS: Record<KeyRefusal, string> = {
  missing: 'An API key is required: send it as Authorization: Bearer bl_live_<id>_<secret>.',
  malformed: 'The Authorization header does not hold a Boltline API key (Bearer bl_live_<id>_<secret>).',
  // Unknown, wrong secret, expired and revoked look alike, so a guess learns nothing.
  invalid: 'This API key is not valid: it is unknown, expired or revoked.',
};

/** The window in which AUTH_FAILURES_PER_MINUTE refused attempts are counted, and the wait after. */
const FAILURE_WINDOW_MS = 60_000;

/**
 * Every API route needs a key with one of the scopes it declares (`@RequireScopes`), unless it
 * is `@Public()`; a route that declares nothing is for admins only, so a forgotten decorator
 * fails closed. 401 for a missing or invalid key, 403 for a missing scope. Refused attempts are
 * counted per client address in Redis (shared by every API replica): past the limit, 429.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly storage: RateLimitStorage,
    private readonly throttler: KeyThrottlerGuard,
    private readonly watchdog: DatabaseWatchdog,
    private readonly eventTokens: EventTokens,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<Scope[] | 'public' | undefined>(SCOPES_KEY, [context.getHandler(), context.getClass()]);
    if (declared === 'public') return this.throttler.canActivate(context);
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : header ? '' : undefined;
    const byEventToken = token === undefined && req.query.token !== undefined && this.reflector.get<boolean>(EVENT_TOKEN_KEY, context.getHandler());
    const caller = byEventToken ? await this.fromEventToken(req) : await this.fromKey(token, req, context);
    req.caller = caller;
    const accepted = declared ?? ['admin'];
    if (!isAdmin(caller) && !accepted.some((s) => caller.scopes.includes(s))) {
      throw new ProblemException(403, `This API key lacks the scope for this request: it needs ${accepted.join(' or ')}.`);
    }
    // Event-token requests too: they count against their key's limit like any request of the key.
    return this.throttler.canActivate(context);
  }

  private async fromKey(token: string | undefined, req: AuthenticatedRequest, context: ExecutionContext): Promise<Caller> {
    // Guards run before interceptors: the key lookup needs the watchdog's fast 503 itself.
    const caller = await this.watchdog.whileAvailable(() => this.keys.authenticate(token === '' ? 'not a key' : token));
    if (typeof caller !== 'string') return caller;
    await this.countFailure(req.ip ?? 'unknown');
    const res = context.switchToHttp().getResponse<{ setHeader(n: string, v: string): void }>();
    res.setHeader('WWW-Authenticate', 'Bearer realm="Boltline API"');
    throw new ProblemException(401, REFUSALS[caller]);
  }

  /**
   * The caller an event token stands for: the key that asked for it, as that key is now (a revoked
   * or expired key's tokens open nothing), on the one route and order the token names.
   */
  private async fromEventToken(req: AuthenticatedRequest): Promise<Caller> {
    const grant = typeof req.query.token === 'string' ? this.eventTokens.verify(req.query.token) : undefined;
    const key = grant && grant.jobId === req.params.id ? (await this.watchdog.whileAvailable(() => this.keys.current([grant.keyId]))).get(grant.keyId) : undefined;
    if (!key) {
      await this.countFailure(req.ip ?? 'unknown');
      throw new ProblemException(
        401,
        'This event token is not valid here: it is malformed, expired, for another order, or its API key is no longer valid. Get a new one from POST /api/v1/jobs/{id}/events/token.',
      );
    }
    return { ...key, name: `${key.name} (event token)` };
  }

  private async countFailure(client: string): Promise<void> {
    const record = await this.storage.increment(`auth-failures:${client}`, FAILURE_WINDOW_MS, this.config.AUTH_FAILURES_PER_MINUTE, FAILURE_WINDOW_MS, 'auth-failures');
    if (record.isBlocked) {
      const wait = String(Math.max(1, record.timeToBlockExpire));
      throw new ProblemException(429, `Too many requests with invalid API keys from this address; retry in ${wait} s.`, undefined, { 'Retry-After': wait });
    }
  }
}
