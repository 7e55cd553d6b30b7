import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable } from './pg-errors';
import { FieldError, kindOfStatus, PROBLEM_TYPES, problemBody, ProblemKind } from './problem-types';

export type { FieldError } from './problem-types';

/** Seconds a client should wait before retrying while the database is away. */
const RETRY_AFTER_S = 2;

/**
 * An error with an RFC 9457 body; `errors` lists the fields to fix. Give a status (its usual kind
 * is the `type`) or a kind from PROBLEM_TYPES when a client should be able to tell it apart.
 */
export class ProblemException extends HttpException {
  readonly kind: ProblemKind | undefined;

  constructor(
    statusOrKind: number | ProblemKind,
    detail: string,
    readonly errors?: FieldError[],
    /** Extra response headers, such as Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    const status = typeof statusOrKind === 'number' ? statusOrKind : PROBLEM_TYPES[statusOrKind].status;
    super(detail, status);
    this.kind = typeof statusOrKind === 'number' ? kindOfStatus(statusOrKind) : statusOrKind;
  }
}

interface Described {
  status: number;
  kind: ProblemKind | undefined;
  detail: string;
  errors?: FieldError[];
}

/**
 * Every error leaves the API as `application/problem+json` (RFC 9457) whose `type` names its kind
 * (see problem-types.ts). Unexpected errors are logged with their stack and answered with a bare
 * 500: a stack trace never reaches a client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, kind, detail, errors } = this.describe(exception);
    if (res.headersSent) return;
    if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
    if (exception instanceof ProblemException) for (const [name, value] of Object.entries(exception.headers ?? {})) res.setHeader(name, value);
    res.status(status).type('application/problem+json').json(problemBody(kind, detail, errors, status));
  }

  private describe(exception: unknown): Described {
    if (exception instanceof ProblemException) {
      return { status: exception.getStatus(), kind: exception.kind, detail: exception.message, errors: exception.errors };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message = typeof body === 'object' && body && 'message' in body ? (body as { message: unknown }).message : body;
      const status = exception.getStatus();
      return { status, kind: kindOfStatus(status), detail: Array.isArray(message) ? message.join('; ') : String(message) };
    }
    // Other errors that carry a 4xx status of their own (json-body.ts turns body-parser's into problems).
    const status = (exception as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, kind: kindOfStatus(status), detail: (exception as Error).message || 'The request could not be read.' };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return { status: HttpStatus.SERVICE_UNAVAILABLE, kind: 'unavailable', detail: 'The database is not answering; nothing was changed. Retry shortly.' };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, kind: 'internal', detail: 'An unexpected error occurred; it has been logged.' };
  }
}
