import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { sendProblem } from '../common/problem-types';
import { ProblemException } from '../common/problem.filter';
import { SCREENSHOT_TYPES } from './protocol';

/** The largest screenshot a worker may upload with a lease (a full page of a long form fits). */
export const SCREENSHOT_MAX_BYTES = 2 * 1024 * 1024;

const readRaw = express.raw({ type: [...SCREENSHOT_TYPES], limit: SCREENSHOT_MAX_BYTES });
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Whether the bytes are a PNG (its signature), whatever the Content-Type said. */
export const isPng = (bytes: unknown): bytes is Buffer => Buffer.isBuffer(bytes) && bytes.subarray(0, 8).equals(PNG);

/**
 * The body parser of PUT /worker/leases/:id/screenshot, mounted before the API's JSON-only check:
 * the image's bytes as a Buffer in `req.body`, or a problem (415 for another type, 413 past
 * SCREENSHOT_MAX_BYTES).
 */
export function screenshotBody(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'PUT') return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!(SCREENSHOT_TYPES as readonly string[]).includes(type)) {
    return sendProblem(res, 'unsupported-media-type', `Send the screenshot's bytes as the request body with Content-Type ${SCREENSHOT_TYPES.join(', ')}.`);
  }
  readRaw(req, res, (err?: unknown) => {
    const e = err as { type?: string } | undefined;
    if (e?.type === 'entity.too.large') return next(new ProblemException('payload-too-large', `The screenshot is larger than ${SCREENSHOT_MAX_BYTES / 1024 / 1024} MB; complete the lease without it.`));
    if (e?.type === 'encoding.unsupported') return next(new ProblemException('unsupported-media-type', 'Send the screenshot without Content-Encoding.'));
    next(err);
  });
}
