import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../database/pg-errors';

/** Seconds a client should wait before retrying while the database is away. */
const RETRY_AFTER_S = 2;

/** One invalid field of a request, as reported to the client. */
export interface FieldError {
  field: string;
  messages: string[];
}

/** An error with an RFC 9457 body; `errors` lists the fields to fix. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    detail: string,
    readonly errors?: FieldError[],
    /** Extra response headers, such as Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(detail, status);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Every error leaves the API as `application/problem+json` (RFC 9457). Unexpected errors are
 * logged with their stack and answered with a bare 500: a stack trace never reaches a client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, detail, errors } = this.describe(exception);
    if (res.headersSent) return;
    if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
    if (exception instanceof ProblemException) for (const [name, value] of Object.entries(exception.headers ?? {})) res.setHeader(name, value);
    res
      .status(status)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) });
  }

  private describe(exception: unknown): { status: number; detail: string; errors?: FieldError[] } {
    if (exception instanceof ProblemException) {
      return { status: exception.getStatus(), detail: exception.message, errors: exception.errors };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message = typeof body === 'object' && body && 'message' in body ? (body as { message: unknown }).message : body;
      return { status: exception.getStatus(), detail: Array.isArray(message) ? message.join('; ') : String(message) };
    }
    // body-parser errors carry an HTTP status of their own (malformed JSON, too large, bad charset).
    const status = (exception as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, detail: bodyParserDetail(exception as { type?: string; message?: string }) };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return { status: HttpStatus.SERVICE_UNAVAILABLE, detail: 'The database is not answering; nothing was changed. Retry shortly.' };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'An unexpected error occurred; it has been logged.' };
  }
}

function bodyParserDetail(err: { type?: string; message?: string }): string {
  switch (err.type) {
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    case 'entity.too.large':
      return 'The request body is too large.';
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'encoding.invalid':
      return 'The request body must be UTF-8 encoded JSON.';
    default:
      return err.message ?? 'The request could not be read.';
  }
}
