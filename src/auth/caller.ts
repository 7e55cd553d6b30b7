import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException } from '../common/problem.filter';
import type { Scope } from './api-key';

/** Who is calling: the API key that authenticated the request. */
export interface Caller {
  keyId: string;
  /** The key's name, for the audit log. */
  name: string;
  scopes: readonly Scope[];
  /** The account the key belongs to; null for a key of no account (admin and worker keys). */
  accountId: string | null;
}

export const isAdmin = (c: Caller) => c.scopes.includes('admin');

/**
 * Whose customers and orders a request may see and change. Every service that reads or writes
 * them takes one, so "every account" is always a decision someone wrote down (an admin key,
 * signed-in staff), never what a missing account id happens to mean.
 */
export type Reach = { kind: 'all' } | { kind: 'account'; accountId: string };

/** Every account's: for admin keys and staff, and for work already authorised (a live feed). */
export const EVERY_ACCOUNT: Reach = Object.freeze({ kind: 'all' });

/** The caller's reach, or undefined for a non-admin key of no account, which may see nothing. */
export function reachOrNone(c: Caller): Reach | undefined {
  if (isAdmin(c)) return EVERY_ACCOUNT;
  return c.accountId ? { kind: 'account', accountId: c.accountId } : undefined;
}

/**
 * The caller's reach; 403 for a non-admin key of no account. The database refuses such a key for
 * jobs scopes (a CHECK on api_keys), but should one exist anyway, it fails closed here instead of
 * seeing every account's data.
 */
export function reachOf(c: Caller): Reach {
  const reach = reachOrNone(c);
  if (!reach) throw new ProblemException(403, 'This API key belongs to no account, so it may see no customers or orders; use a key made with an account.');
  return reach;
}

export const sameReach = (a: Reach, b: Reach | undefined) =>
  b !== undefined && a.kind === b.kind && (a.kind === 'all' || a.accountId === (b as { accountId: string }).accountId);

export const SCOPES_KEY = 'boltline:scopes';
/** The scopes a route accepts (any one of them; admin always). */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(SCOPES_KEY, scopes);
/** A route anyone may call, such as the health check. */
export const Public = () => SetMetadata(SCOPES_KEY, 'public');

export const EVENT_TOKEN_KEY = 'boltline:event-token';
/**
 * The route also takes a `?token=` from `POST /jobs/:id/events/token` instead of a key, for the
 * browser's EventSource, which cannot send headers. The token is for one order (route `:id`).
 */
export const AcceptsEventToken = () => SetMetadata(EVENT_TOKEN_KEY, true);

export type AuthenticatedRequest = Request & { caller?: Caller };

/** The request's {@link Caller}, set by the API key guard. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without an API key');
  return caller;
});

/** The request's {@link Reach}: 403 before the handler runs for a key that may see nothing. */
export const CallerReach = createParamDecorator((_: unknown, ctx: ExecutionContext): Reach => {
  const caller = ctx.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CallerReach used on a route without an API key');
  return reachOf(caller);
});
