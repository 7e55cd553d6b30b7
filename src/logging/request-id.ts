import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * What a client or proxy may send as `X-Request-Id` and have kept: the characters of UUIDs, hex,
 * base64 and the usual tracing ids, at most 128 of them. Anything else is replaced by a UUID (the
 * response's `X-Request-Id` says which id the request got). Kept in sync with the CHECK on
 * `jobs.request_id` (migrations/1764110000000-order-request-id.ts).
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** The id a request is known by: the one it brought, when usable, else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

/**
 * Gives every request its id first thing (`req.id`, which the access line logs, and the
 * `X-Request-Id` response header), so that even a request turned away before Nest's routes has one.
 */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  req.id ??= requestIdOf(req.headers['x-request-id']);
  res.setHeader('X-Request-Id', String(req.id));
  next();
}
