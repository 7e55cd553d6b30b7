import type { Response } from 'express';

/**
 * Every kind of problem the API answers with (RFC 9457). A problem's `type` is
 * `/problems/<kind>`, relative to the API's origin, where GET serves the entry below (see
 * ProblemsController), so a client can branch on `type` and a person can look it up. Kinds are
 * stable: add new ones, never rename one. The status is the one the kind is always sent with.
 */
export const PROBLEM_TYPES = {
  validation: {
    status: 400,
    title: 'Invalid request',
    description: 'One or more fields, query parameters or headers are missing, of the wrong type or out of range. `errors` names each one and says what to fix.',
  },
  'invalid-text': {
    status: 400,
    title: 'Text that cannot be stored as sent',
    description:
      'A field, query parameter or path parameter holds text that could not be stored exactly: bytes that are not UTF-8, a lone UTF-16 surrogate (not well-formed Unicode), or a NUL character (U+0000). Nothing was stored. `errors` names the field.',
  },
  'malformed-body': {
    status: 400,
    title: 'Unreadable request body',
    description: 'The request body is not one JSON object: it is not valid JSON, is truncated, is not an object, or is nested more than 16 levels deep.',
  },
  unauthorized: {
    status: 401,
    title: 'Authentication required',
    description:
      'No API key was sent, or the one sent is malformed, unknown, expired or revoked (Authorization: Bearer bl_live_<id>_<secret>); for event streams, the event token is invalid; for staff tools, nobody is signed in.',
  },
  forbidden: {
    status: 403,
    title: 'Not allowed',
    description: 'The API key lacks a scope this request needs, or the signed-in staff member lacks the role.',
  },
  csrf: {
    status: 403,
    title: 'Cross-site request refused',
    description: 'Staff tools only: a state-changing request lacked the session\'s CSRF token or came from another site. Reload the page and try again.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description: 'No such route, or no such id among those this API key may see (another account\'s ids look the same as missing ones).',
  },
  conflict: {
    status: 409,
    title: 'Conflict with the current state',
    description: 'The order or result is in a status that does not allow this action now; `detail` says which statuses do.',
  },
  'idempotency-in-progress': {
    status: 409,
    title: 'Request still in progress',
    description: 'Another request with this Idempotency-Key is being processed right now. Retry shortly with the same key and body.',
  },
  'lease-expired': {
    status: 409,
    title: 'Lease no longer held',
    description:
      "Worker API: the lease's token no longer holds it: it expired without a heartbeat, its key was revoked, it was settled, or the submission was taken over. Nothing was changed; stop working on it and do not retry the call.",
  },
  'lease-settled-otherwise': {
    status: 409,
    title: 'Lease settled with another report',
    description: 'Worker API: this lease was already completed or failed with a different report; the first report stands. Repeating the same report answers what it answered.',
  },
  'leases-limit': {
    status: 429,
    title: 'Too many leases',
    description: 'Worker API: this API key already holds WORKER_MAX_LEASES_PER_KEY leases. Complete or fail one, then lease again.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Request body too large',
    description: 'The request body is larger than the API accepts: 1 MB of JSON, 2 MB for a customer\'s logo or a lease\'s screenshot, 16 KB for a staff form.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'Send the request body as JSON with Content-Type: application/json; a customer\'s logo as its bytes with Content-Type image/png, image/jpeg or image/webp.',
  },
  unprocessable: {
    status: 422,
    title: 'Request cannot be carried out',
    description: 'The request is well-formed but cannot be carried out: it names directories that are not enabled, or asks for a package larger than the catalogue, or a logo\'s bytes are not an image of the type its Content-Type names.',
  },
  'invalid-definition': {
    status: 422,
    title: 'Directory definition breaks the adapter schema',
    description:
      'The directory or its adapter does not follow the adapter schema (GET /api/v1/directories/schema). `errors` names the path of each mistake, such as `adapter.steps[1].fields[3].target`, with what to fix. Nothing was changed.',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency-Key reused',
    description: 'This Idempotency-Key was already used with a different request body. Use a new key for a new request.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    description: 'Too many requests from this API key, or too many refused attempts from this address. Retry after the seconds in the Retry-After header.',
  },
  'open-orders-limit': {
    status: 429,
    title: 'Too many open orders',
    description: 'The account already has MAX_OPEN_ORDERS_PER_ACCOUNT orders awaiting approval, queued, running or paused. Retry when one has finished (Retry-After gives a hint), or cancel one.',
  },
  'stream-limit': {
    status: 429,
    title: 'Too many open event streams',
    description: 'This API key (MAX_STREAMS_PER_KEY) or client address (MAX_STREAMS_PER_ADDRESS) already holds the most event streams it may have open at once. Close one, then retry after the seconds in the Retry-After header.',
  },
  internal: {
    status: 500,
    title: 'Internal error',
    description: 'An unexpected error occurred; it has been logged. Nothing in the answer says more.',
  },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    description: 'The database (or, for the health check, PostgreSQL or Redis) is not answering; nothing was changed. Retry after the seconds in the Retry-After header.',
  },
} as const satisfies Record<string, { status: number; title: string; description: string }>;

export type ProblemKind = keyof typeof PROBLEM_TYPES;
export const PROBLEM_KINDS = Object.keys(PROBLEM_TYPES) as ProblemKind[];

/** Where the problem types are served, outside the versioned API prefix: they outlive a version. */
export const PROBLEMS_PATH = 'problems';

/** The `type` URI of a kind. */
export const problemType = (kind: ProblemKind): string => `/${PROBLEMS_PATH}/${kind}`;

/** Every `type` the API may send. */
export const PROBLEM_TYPE_URIS = PROBLEM_KINDS.map(problemType);

/** The kind a status stands for when nothing more specific was said. */
const BY_STATUS: Record<number, ProblemKind> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  429: 'rate-limited',
  500: 'internal',
  503: 'unavailable',
};

/** undefined for a status no kind stands for: such a problem goes out as `about:blank` (RFC 9457). */
export const kindOfStatus = (status: number): ProblemKind | undefined => BY_STATUS[status];

/** One invalid field of a request, as reported to the client. */
export interface FieldError {
  field: string;
  messages: string[];
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** The RFC 9457 body of a problem; `status` only for a status no kind stands for. */
export function problemBody(kind: ProblemKind | undefined, detail: string, errors?: FieldError[], status?: number): ProblemBody {
  const known = kind ? PROBLEM_TYPES[kind] : undefined;
  return {
    type: kind ? problemType(kind) : 'about:blank',
    title: known?.title ?? 'Error',
    status: known?.status ?? status ?? 500,
    detail,
    ...(errors ? { errors } : {}),
  };
}

/** Answers with a problem, for the middleware that runs outside Nest's exception filter. */
export function sendProblem(res: Response, kind: ProblemKind, detail: string, errors?: FieldError[]): void {
  const body = problemBody(kind, detail, errors);
  res.status(body.status).type('application/problem+json').json(body);
}
