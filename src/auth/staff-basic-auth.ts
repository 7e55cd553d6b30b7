import basicAuth from 'basic-auth';
import type { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Express middleware guarding staff tools (Bull Board) with the admin credential from config.
 * Guards do not run on a middleware mount, so the mount itself carries this. Without a configured
 * credential the tools are closed (503), never open.
 */
export function staffBasicAuth(credentials: string | undefined) {
  const expected = credentials ? digest(credentials) : undefined;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) {
      res.status(503).type('text/plain').send('Staff tools are disabled: set ADMIN_CREDENTIALS=user:password to enable them.');
      return;
    }
    const given = basicAuth(req);
    // Compare digests of equal length in constant time, so timing says nothing about the secret.
    if (given && timingSafeEqual(digest(`${given.name}:${given.pass}`), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="Boltline staff", charset="UTF-8"');
    res.status(401).type('text/plain').send('Staff credentials required.');
  };
}
