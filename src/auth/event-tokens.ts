import { Inject, Injectable } from '@nestjs/common';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';

/**
 * What an event token grants: reading one order's live feed, as the key that asked for it. It
 * names the key and nothing of what the key may do: that is read from the key as it is when the
 * token is used, so a revoked key's tokens open nothing and no claim in a token can mean "admin".
 */
export interface EventGrant {
  jobId: string;
  keyId: string;
  expiresAt: Date;
}

/** Long enough to open (and reopen) an EventSource, short enough to be worthless in a log. */
export const EVENT_TOKEN_TTL_S = 300;

/**
 * Short-lived signed tokens for a browser's `EventSource`, which cannot send an Authorization
 * header: `<payload>.<HMAC-SHA256>`, both base64url. Signed with a key derived from SESSION_SECRET,
 * so every API replica accepts every replica's tokens; without SESSION_SECRET (development only)
 * each process signs with a random key of its own.
 */
@Injectable()
export class EventTokens {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const secret = config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'boltline', 'event-token v1', 32));
  }

  issue(grant: Omit<EventGrant, 'expiresAt'>, now = Date.now()): { token: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + EVENT_TOKEN_TTL_S; // whole seconds, as the token says
    const expiresAt = new Date(expires * 1000);
    const payload = Buffer.from(JSON.stringify({ j: grant.jobId, k: grant.keyId, e: expires })).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expiresAt };
  }

  /** The grant, or undefined for a token that is malformed, forged or expired. */
  verify(token: string, now = Date.now()): EventGrant | undefined {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined || token.length > 1024) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { j: unknown; k: unknown; e: unknown };
      if (typeof p.e !== 'number' || p.e * 1000 <= now || typeof p.j !== 'string' || typeof p.k !== 'string') return undefined;
      return { jobId: p.j, keyId: p.k, expiresAt: new Date(p.e * 1000) };
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
