import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { FieldError, ProblemKind } from './problem-types';
import { kindOfStatus, sendProblem } from './problem-types';
import { ProblemException } from './problem.filter';
import { undecodableFields } from './text-input';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A body-parser error the problem filter answers as `invalid-text` (400), naming `errors`. */
const notUtf8 = (message: string, errors?: FieldError[]) => Object.assign(new Error(message), { status: 400, type: 'encoding.invalid', errors });

/**
 * body-parser's `verify` hook: JSON must be valid UTF-8. Without it, malformed bytes silently
 * become U+FFFD and the mangled text would be typed into a directory's form.
 */
export function requireUtf8(_req: IncomingMessage, _res: unknown, buf: Buffer): void {
  try {
    utf8.decode(buf);
  } catch {
    throw notUtf8('The request body must be UTF-8 encoded JSON.');
  }
}

/**
 * The same for forms (staff sign-in, dashboard): the bytes and every percent-escaped value must be
 * UTF-8, which the form parser would otherwise keep as literal `%E9` text. A form declared
 * ISO-8859-1 is taken as it is: every byte is a character there.
 */
export function requireUtf8Form(_req: IncomingMessage, _res: unknown, buf: Buffer, encoding: string | null): void {
  if (encoding && encoding.toLowerCase() !== 'utf-8') return;
  try {
    utf8.decode(buf);
  } catch {
    throw notUtf8('The form must be UTF-8 encoded.');
  }
  const errors = undecodableFields(buf.toString('latin1'));
  if (errors.length) throw notUtf8(`The form holds text that is not UTF-8: ${errors.map((e) => e.field).join(', ')}.`, errors);
}

/**
 * A body the API cannot read is refused up front (415), instead of being ignored and then
 * reported as a list of missing fields.
 */
export function requireJsonContentType(req: Request, res: Response, next: NextFunction): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  // A body already read as bytes (a customer's logo, customer-logo.ts) was checked by its own parser.
  if (hasBody && !Buffer.isBuffer(req.body) && !req.is('application/json')) {
    sendProblem(res, 'unsupported-media-type', 'Send the request body as JSON with Content-Type: application/json.');
    return;
  }
  next();
}

type BodyParserError = Error & { status?: number; type?: string; errors?: FieldError[] };

/** What body-parser's refusals (by their `type`) mean to a client. */
function bodyProblem(err: BodyParserError, status: number): [ProblemKind | undefined, string] {
  switch (err.type) {
    case 'entity.parse.failed':
      return ['malformed-body', 'The request body is not valid JSON.'];
    case 'entity.too.large':
      return ['payload-too-large', 'The request body is too large.'];
    case 'parameters.too.many':
      return ['payload-too-large', 'The form has too many fields.'];
    case 'encoding.unsupported':
      return ['unsupported-media-type', 'Send the request body without Content-Encoding.'];
    case 'charset.unsupported':
      return ['unsupported-media-type', 'The request body must be UTF-8 encoded JSON.'];
    case 'encoding.invalid':
      // Raised by the verify hooks above.
      return ['invalid-text', err.message];
    default:
      return [status === 400 ? 'malformed-body' : kindOfStatus(status), err.message || 'The request body could not be read.'];
  }
}

/**
 * Express error middleware right after the body parsers: their refusals become problems of their
 * kind. Left as they are, Nest would turn a JSON syntax error into a bare "Bad Request", and the
 * staff mounts would take any error for their database being away.
 */
export function bodyParserProblems(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const e = err as BodyParserError;
  if (!(err instanceof ProblemException) && typeof e?.type === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    const [kind, detail] = bodyProblem(e, e.status);
    return next(new ProblemException(kind ?? e.status, detail, e.errors));
  }
  next(err);
}
