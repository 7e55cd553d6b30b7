import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Scope } from './api-key';

/** Who is calling: the API key that authenticated the request. */
export interface Caller {
  keyId: string;
  /** The key's name, for the audit log. */
  name: string;
  scopes: readonly Scope[];
  /** The account whose customers this key may see; null for admin keys, which see every one. */
  accountId: string | null;
}

export const isAdmin = (c: Caller) => c.scopes.includes('admin');

/**
 * The account a query must be limited to: undefined for admins (no limit). A non-admin key
 * always has an account (a CHECK constraint on api_keys says so).
 */
export function ownerOf(c: Caller): string | undefined {
  return isAdmin(c) ? undefined : (c.accountId as string);
}

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
