import type { ResponseLogEntry } from '../common/response-log';
import type { AdapterDefinition } from '../directories/definition/adapter.schema';

/**
 * The lease protocol between Boltline and a worker that holds only an API key (the reference
 * remote worker, the staff browser extension). Types and constants only, nothing that runs: the
 * API validates these shapes with its DTOs (./dto), and a worker imports this file and nothing
 * else of the API. docs/worker-protocol.md tells the whole exchange.
 */

/** Where the protocol lives, under the API prefix. */
export const WORKER_API_PATH = 'worker';

/** What a worker can do; a lease is only handed to a worker that can do what it needs. */
export const CAPABILITIES = ['browser', 'assisted', 'credentials'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const WORKER_KINDS = ['remote', 'extension'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

/** Who is asking: shown on the staff dashboard's fleet view beside the fleet's own workers. */
export interface WorkerIdentity {
  /** Stable per worker (a host name, an install id): 1-64 of A-Z a-z 0-9 . _ : - */
  id: string;
  kind: WorkerKind;
  version: string;
}

/** POST /worker/leases */
export interface LeaseRequest {
  /** How many submissions to take at most (1..20); fewer, or none (204), when there are fewer. */
  max: number;
  capabilities: Capability[];
  worker: WorkerIdentity;
}

/**
 * One leased piece of work. `submit`: fill the form and, after `submitting` said yes, click.
 * `verify`: an earlier attempt clicked and its answer was never recorded; only ask the
 * directory whether the business is listed (never submit) and complete with `listed`.
 */
export interface Lease {
  id: string;
  /** The fencing token: every later call about this lease sends it; a call with an old one is 409 lease_expired. */
  token: string;
  kind: 'submit' | 'verify';
  /** The lease ends then unless a heartbeat extends it; the work then goes back to the queue. */
  expiresAt: string;
  /** Heartbeat at least this often (a third of the lease). */
  heartbeatMs: number;
  attempt: number;
  directory: { id: string; name: string; submitUrl: string; adapter: AdapterDefinition };
  /** The customer's values the directory's form uses, and nothing more. */
  values: Record<string, string>;
  /** The directory's sign-in values: only when its definition signs in and the key may hold them. */
  credentials?: Record<string, string>;
}

export interface LeaseResponse {
  leases: Lease[];
}

export type LogLine = Pick<ResponseLogEntry, 'at' | 'event' | 'detail'>;

/** POST /worker/leases/:id/heartbeat */
export interface HeartbeatRequest {
  token: string;
  /** A short word on where the attempt is ("filling", "signing in"), shown to staff. */
  progress?: string;
  log?: LogLine[];
}

export interface HeartbeatResponse {
  expiresAt: string;
}

/** POST /worker/leases/:id/submitting: right before the irreversible click. */
export interface SubmittingRequest {
  token: string;
}

export interface SubmittingResponse {
  /** Click before this or not at all (then fail the lease with kind `deadline`). */
  clickBy: string;
  expiresAt: string;
}

/** What the directory said after the click. */
export type LeaseOutcome =
  | { result: 'submitted'; reference?: string }
  /** The directory refused: `retryable` when trying again later could help; `retryAfterMs` when it said when. */
  | { result: 'refused'; reason: string; retryable: boolean; retryAfterMs?: number };

/** POST /worker/leases/:id/complete. `outcome` for a submit lease, `listed` for a verify lease. */
export interface CompleteRequest {
  token: string;
  outcome?: LeaseOutcome;
  /** Whether the directory lists the business; null when it cannot tell. */
  listed?: boolean | null;
  log?: LogLine[];
}

/**
 * POST /worker/leases/:id/fail: the attempt broke before the directory answered.
 * `page`: the page broke (a retry may help). `target_missing`: an element the definition names
 * was not on the page (`target` says which): the form may have changed. `browser`: the worker's
 * own browser failed, no fault of the directory's (the attempt is given back). `deadline`: the
 * click's deadline passed before the click (nothing was clicked).
 */
export interface FailRequest {
  token: string;
  kind: 'page' | 'target_missing' | 'browser' | 'deadline';
  message: string;
  target?: string;
  log?: LogLine[];
}

/** What `complete` and `fail` answer: the row's status after the report. Repeating the same report answers the same. */
export interface SettledResponse {
  status: string;
  detail: string;
}

/** PUT /worker/leases/:id/screenshot with the token in LEASE_TOKEN_HEADER: the page as it looked at the end, before complete or fail. */
export const SCREENSHOT_TYPES = ['image/png'] as const;

/** The problem `type` slug of a call with a token that no longer holds the lease. */
export const LEASE_EXPIRED = 'lease-expired';

/** An idle worker asks for work at least this often (the dashboard shows it gone after three times as long without a call). */
export const IDLE_POLL_MAX_MS = 10_000;

/** Where a call without a JSON body (the screenshot upload) sends the lease's token: a header, since request logs keep URLs. */
export const LEASE_TOKEN_HEADER = 'x-lease-token';
