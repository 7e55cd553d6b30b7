import { HttpException, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import PgSession from 'connect-pg-simple';
import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { randomBytes } from 'node:crypto';
import { sendProblem } from '../common/problem-types';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { LoginCsrf } from './login-csrf';
import { StaffMember, StaffRole, StaffService } from './staff.service';

declare module 'express-session' {
  interface SessionData {
    staffId?: string;
    /** When the member signed in (ms since the epoch): the session ends STAFF_SESSION_HOURS later. */
    signedInAt?: number;
  }
}

export type StaffRequest = Request & { staff?: StaffMember };

/**
 * Saves the session now. express-session saves at the end of the response but sends the headers
 * first, so a browser following a redirect could load the session before a sign-in or a notice
 * is stored: save, then redirect.
 */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The sign-in form's target: its CSRF token is bound to a cookie, not a session (see LoginCsrf). */
export const SIGN_IN_PATH = '/staff/login';


/**
 * Staff sign-in state: express-session with sessions kept in PostgreSQL (so every API replica
 * knows them and signing out ends them everywhere), a signed HttpOnly SameSite=Strict cookie
 * (in production always Secure and named with the __Host- prefix; in development Secure whenever
 * the request came over TLS), an absolute lifetime from the sign-in, and synchroniser CSRF tokens.
 * These are Express middleware because Bull Board is mounted as middleware, where Nest guards
 * never run: the mounts carry them themselves.
 */
@Injectable()
export class StaffSessions implements OnApplicationShutdown {
  private readonly logger = new Logger(StaffSessions.name);
  private readonly store: PgSession.PGStore;
  readonly session: RequestHandler;
  private readonly lifetimeMs: number;
  private readonly loginCsrf: LoginCsrf;
  /**
   * Production: cookies are Secure whatever the request says, and carry the __Host- prefix, so
   * browsers take them only from HTTPS, for this host alone (no Domain), with Path=/: a sibling
   * subdomain cannot set or shadow them. Development over plain HTTP keeps plain names.
   */
  private readonly secureOnly: boolean;
  readonly cookieName: string;
  private readonly csrf = csrfSync({
    size: 32, // bytes: 256 bits is plenty, and the token stays short in forms
    getTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined),
  });

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly staff: StaffService,
  ) {
    const Store = PgSession(session);
    this.store = new Store({
      conObject: { connectionString: config.DATABASE_URL, max: 3, connectionTimeoutMillis: 2000, query_timeout: 5500 },
      tableName: 'staff_sessions',
      createTableIfMissing: false,
      pruneSessionInterval: 15 * 60,
      errorLog: (...args: unknown[]) => this.logger.warn(`session store: ${args.map(String).join(' ')}`),
    });
    let secret = config.SESSION_SECRET;
    if (!secret && config.NODE_ENV === 'production') {
      // Only the API signs cookies, so only the API insists (workers never read it).
      throw new Error('Invalid configuration:\n  SESSION_SECRET: the API requires it in production (32+ characters, e.g. openssl rand -base64 32)');
    }
    if (!secret) {
      secret = randomBytes(32).toString('base64url');
      this.logger.warn('SESSION_SECRET is not set: using a random one, so staff sign-ins end when this process restarts');
    }
    this.secureOnly = config.NODE_ENV === 'production';
    const prefix = this.secureOnly ? '__Host-' : '';
    this.cookieName = `${prefix}boltline.sid`;
    this.loginCsrf = new LoginCsrf(secret, `${prefix}boltline.login-csrf`, this.secureOnly);
    this.lifetimeMs = config.STAFF_SESSION_HOURS * 3_600_000;
    this.session = session({
      name: this.cookieName,
      secret,
      store: this.store,
      resave: false,
      saveUninitialized: false,
      unset: 'destroy',
      cookie: { httpOnly: true, sameSite: 'strict', secure: this.secureOnly ? true : 'auto', path: '/', maxAge: this.lifetimeMs },
    });
  }

  /**
   * In production, staff tools over plain HTTP are refused, saying why: express-session never sets
   * a Secure cookie on a request it does not see as TLS, so a sign-in would just loop back to the
   * form. Behind a TLS-terminating proxy, TRUST_PROXY lets Express see the original scheme.
   */
  readonly requireTls: RequestHandler = (req, res, next) => {
    if (!this.secureOnly || req.secure) return next();
    sendProblem(res, 'forbidden', 'Staff sign-in needs HTTPS with NODE_ENV=production: use https://, and behind a TLS-terminating proxy set TRUST_PROXY so the original scheme is seen.');
  };

  /** Removes the session cookie (after sign-out); its attributes must match for browsers to drop it. */
  clearCookie(req: Request, res: Response): void {
    res.clearCookie(this.cookieName, { path: '/', httpOnly: true, sameSite: 'strict', secure: this.secureOnly || req.secure });
  }

  /**
   * The CSRF token for this session (made on first use, and stored in it), for forms and the
   * dashboard's requests. Signed-in pages only: the sign-in form has {@link signInCsrfToken}.
   */
  csrfToken(req: Request): string {
    return this.csrf.generateToken(req);
  }

  /** The sign-in form's CSRF token, which stores nothing: an anonymous page load writes no session. */
  signInCsrfToken(req: Request, res: Response): string {
    return this.loginCsrf.token(req, res);
  }

  /**
   * State-changing requests must carry the session's CSRF token (form field `_csrf` or header
   * X-CSRF-Token); the sign-in form, the token of its cookie.
   */
  readonly requireCsrf: RequestHandler = (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const signIn = req.method === 'POST' && req.originalUrl.split('?')[0] === SIGN_IN_PATH;
    if (signIn ? this.loginCsrf.isValid(req) : this.csrf.isRequestValid(req)) return next();
    sendProblem(res, 'csrf', 'This request lacks a valid CSRF token; reload the page and try again.');
  };

  /**
   * For pages and tools that cannot send our token (Bull Board's own requests): a state-changing
   * request must come from this site, by the browser's Fetch Metadata or else its Origin.
   */
  readonly refuseCrossSite: RequestHandler = (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const sameOrigin = site ? site === 'same-origin' : origin ? new URL(origin).host === req.headers.host : false;
    if (sameOrigin) return next();
    sendProblem(res, 'csrf', 'Cross-site requests to staff tools are refused.');
  };

  /**
   * Requires a signed-in, enabled staff member (and `role`, when given). Pages redirect to the
   * sign-in page; other requests get 401/403 problem+json. The member is re-read on every request,
   * so disabling an account or changing its role takes effect at once.
   */
  requireStaff(opts: { role?: StaffRole; redirect?: boolean } = {}): RequestHandler {
    return (req: StaffRequest, res: Response, next: NextFunction) => {
      void (async () => {
        const member = req.session?.staffId && (await this.withinLifetime(req)) ? await this.staff.current(req.session.staffId) : undefined;
        if (!member) {
          if (opts.redirect && req.method === 'GET' && req.get('accept')?.includes('text/html')) {
            res.redirect(303, `${SIGN_IN_PATH}?next=${encodeURIComponent(req.originalUrl)}`);
            return;
          }
          sendProblem(res, 'unauthorized', `Sign in as staff first: ${SIGN_IN_PATH}`);
          return;
        }
        if (opts.role && member.role !== opts.role) {
          sendProblem(res, 'forbidden', `This needs the staff role ${opts.role}; you are ${member.role}.`);
          return;
        }
        req.staff = member;
        next();
      })().catch(next);
    };
  }

  /**
   * A sign-in lasts STAFF_SESSION_HOURS from the moment it happened, however often the session is
   * used: express-session slides the cookie's and the stored row's expiry on every request, so
   * they are held to the sign-in's end here, and a session past it (or from before sign-in times
   * were recorded) is ended on the server, its row deleted.
   */
  private async withinLifetime(req: Request): Promise<boolean> {
    const end = (req.session.signedInAt ?? 0) + this.lifetimeMs;
    if (Date.now() < end) {
      req.session.cookie.expires = new Date(end);
      return true;
    }
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    return false;
  }

  /** After requireStaff: anyone signed in may look; only admins may change anything. */
  readonly adminsToAct: RequestHandler = (req: StaffRequest, res, next) => {
    if (SAFE_METHODS.has(req.method) || req.staff?.role === 'admin') return next();
    sendProblem(res, 'forbidden', `Viewers may look but not act: this needs the staff role admin (you are ${req.staff?.role ?? 'signed out'}).`);
  };

  /**
   * Last on a staff mount: an error in the middleware above (the session store's) becomes
   * problem+json, never a stack trace. A request's own fault raised before the mount (a body
   * the parser refused, text that cannot be stored) goes on to the problem filter as a 4xx.
   */
  readonly errors = (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const status = err instanceof HttpException ? err.getStatus() : (err as { status?: unknown } | undefined)?.status;
    if (res.headersSent || (typeof status === 'number' && status >= 400 && status < 500)) return next(err);
    this.logger.error(err instanceof Error ? err.message : String(err));
    res.setHeader('Retry-After', '2');
    sendProblem(res, 'unavailable', 'Staff tools cannot reach their database; retry shortly.');
  };

  onApplicationShutdown(): void {
    this.store.close();
  }
}
