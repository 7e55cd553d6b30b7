import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser's `verify` hook: JSON must be valid UTF-8. Without it, malformed bytes silently
 * become U+FFFD and the mangled text would be typed into a directory's form.
 */
export function requireUtf8(_req: IncomingMessage, _res: unknown, buf: Buffer): void {
  try {
    utf8.decode(buf);
  } catch {
    throw Object.assign(new Error('The request body must be UTF-8 encoded JSON.'), { status: 400, type: 'encoding.invalid' });
  }
}

/**
 * A body the API cannot read is refused up front (415), instead of being ignored and then
 * reported as a list of missing fields.
 */
export function requireJsonContentType(req: Request, res: Response, next: NextFunction): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    res
      .status(415)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: 'Send the request body as JSON with Content-Type: application/json.' });
    return;
  }
  next();
}
