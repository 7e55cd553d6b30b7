import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * CSRF protection for the sign-in form with nothing stored on the server (a signed double-submit
 * cookie). Before sign-in there is no session worth a row in staff_sessions, so instead of a
 * session-held token (which made every anonymous page load write one), the form carries
 * HMAC(key, nonce) of a random nonce kept in an HttpOnly SameSite=Strict cookie, and the POST must
 * bring both. Another site can neither read that cookie nor make a token for it; with the __Host-
 * prefix (production) a sibling subdomain cannot plant one either.
 */
export class LoginCsrf {
  private readonly key: Buffer;

  constructor(
    secret: string,
    readonly cookieName: string,
    /** Secure even when the request did not come over TLS (production: __Host- requires it). */
    private readonly secureAlways: boolean,
  ) {
    // A key of its own, so these tokens can never stand for anything else signed with the secret.
    this.key = createHmac('sha256', secret).update('boltline staff sign-in csrf').digest();
  }

  /** The form's token; sets the nonce cookie unless the browser already holds one (other tabs keep working). */
  token(req: Request, res: Response): string {
    let nonce = this.nonceOf(req);
    if (!nonce) {
      nonce = randomBytes(32).toString('base64url');
      res.cookie(this.cookieName, nonce, { httpOnly: true, sameSite: 'strict', secure: this.secureAlways || req.secure, path: '/' });
    }
    return this.sign(nonce);
  }

  /** The POST carries, as form field `_csrf`, the token of the nonce in its cookie. */
  isValid(req: Request): boolean {
    const nonce = this.nonceOf(req);
    const given = (req.body as { _csrf?: unknown } | undefined)?._csrf;
    if (!nonce || typeof given !== 'string') return false;
    const expected = Buffer.from(this.sign(nonce));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.key).update(nonce).digest('base64url');
  }

  /** The nonce from the Cookie header (no cookie parser is mounted); only one of ours counts. */
  private nonceOf(req: Request): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.cookieName) {
        const value = part.slice(eq + 1).trim();
        if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
      }
    }
    return undefined;
  }
}
