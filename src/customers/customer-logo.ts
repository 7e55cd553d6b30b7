import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { resolve } from 'node:path';
import { sendProblem } from '../common/problem-types';
import { ProblemException } from '../common/problem.filter';

/**
 * A customer's logo, for directories whose form asks for an image (adapter fields of kind `upload`).
 * The API stores the bytes as a file under ARTIFACT_DIR, which the workers read from the same disk,
 * as they write screenshots there. A fleet of several machines needs that folder shared (a storage
 * port is planned). The bytes never go into the database, Redis or a job's data.
 */

/** The image types a logo may be, and the file extension each is stored with. */
export const LOGO_TYPES = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' } as const;
export type LogoType = keyof typeof LOGO_TYPES;
export const LOGO_TYPE_LIST = Object.keys(LOGO_TYPES) as LogoType[];

/** The largest logo the API takes; directory forms rarely take more. */
export const LOGO_MAX_BYTES = 2 * 1024 * 1024;

/** Where a customer's logo is stored, relative to ARTIFACT_DIR. */
export const logoFile = (customerId: string, type: LogoType) => `logos/${customerId}.${LOGO_TYPES[type]}`;

/** The absolute path of a customer's logo file ('' when it has none), as the form runner puts it into a file input. */
export const logoOnDisk = (artifactDir: string, c: { logoPath: string | null }): string => (c.logoPath ? resolve(artifactDir, c.logoPath) : '');

/** What the API shows of a logo. */
export interface LogoInfo {
  type: LogoType;
  bytes: number;
  sha256: string;
}

/** Whether the bytes begin the way a file of that type does (its signature). */
export function hasSignatureOf(type: LogoType, bytes: Buffer): boolean {
  switch (type) {
    case 'image/png':
      return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'image/jpeg':
      return bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
    case 'image/webp':
      return bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
  }
}

/** The logo's type as sent (Content-Type without parameters), if it is one a logo may be. */
export function logoTypeOf(req: Request): LogoType | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return (LOGO_TYPE_LIST as string[]).includes(type) ? (type as LogoType) : undefined;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const MB = LOGO_MAX_BYTES / 1024 / 1024;
const readRaw = express.raw({ type: LOGO_TYPE_LIST, limit: LOGO_MAX_BYTES });

/**
 * The body parser of PUT /customers/:id/logo, mounted before the API's JSON-only check: the image
 * bytes as a Buffer in `req.body`, or a problem (415 for another type, 413 past LOGO_MAX_BYTES).
 */
export function logoBody(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'PUT') return next();
  if (!logoTypeOf(req)) {
    return sendProblem(res, 'unsupported-media-type', `Send the logo's bytes as the request body with Content-Type ${LOGO_TYPE_LIST.join(', ')}.`);
  }
  readRaw(req, res, (err?: unknown) => {
    const e = err as { type?: string; status?: number } | undefined;
    if (e?.type === 'entity.too.large') return next(new ProblemException('payload-too-large', `The logo is larger than ${MB} MB.`));
    if (e?.type === 'encoding.unsupported') return next(new ProblemException('unsupported-media-type', 'Send the logo without Content-Encoding.'));
    next(err);
  });
}
