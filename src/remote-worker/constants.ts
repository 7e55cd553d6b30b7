import type { Capability } from '../leases/protocol';

/**
 * The remote worker's settings, in one place. It holds no Boltline config (no database, no Redis,
 * no src/config): what the fleet reads from the environment is fixed here, or a command-line option.
 */

/** Where the API is mounted (src/common/api-path.ts's API_PREFIX; not imported: the worker holds only the protocol). */
export const API_PREFIX = '/api/v1';

/** What this worker can do: a browser of its own, and the directories' sign-in values when its key may hold them. */
export const CAPABILITIES: Capability[] = ['browser', 'credentials'];

/** The most leases in flight at once: a lease request takes at most 20 (protocol.ts). */
export const MAX_SLOTS = 20;

/** Upper bound for one attempt, browser work included: the fleet's SUBMIT_TIMEOUT_MS default. */
export const SUBMIT_TIMEOUT_MS = 45_000;

/** Idle polling: the first wait after an empty answer, doubling while nothing comes, up to the last. */
export const POLL_FIRST_MS = 1000;
export const POLL_MAX_MS = 10_000;

/** How long a stopping worker lets in-flight leases finish before it closes the browser under them. */
export const SHUTDOWN_GRACE_MS = 60_000;
/** After that: how long the attempts the closed browser broke get to report it (the work goes back at once). */
export const SHUTDOWN_REPORT_MS = 15_000;

/** One call to the API; an upload gets longer. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const UPLOAD_TIMEOUT_MS = 60_000;

/** Retrying a call after a network error, a 5xx or a 429 without Retry-After: the first wait, doubling up to the last. */
export const RETRY_FIRST_MS = 500;
export const RETRY_MAX_MS = 10_000;

/** How long each call is retried before the worker gives up on it. */
export const RETRY_FOR_MS = {
  /** complete/fail: what the attempt found; idempotent, so worth waiting for. */
  report: 120_000,
  /** The screenshot: never worth losing the report for. */
  screenshot: 30_000,
  /** submitting: the form waits filled; past this the click does not happen. */
  submitting: 10_000,
} as const;

/** The shortest heartbeat period the worker keeps, whatever a lease says. */
export const MIN_HEARTBEAT_MS = 1000;

/** A browser that failed this many leases in a row stops the worker (exit 1): it would otherwise spin through the queue. */
export const BROWSER_FAILURES_BEFORE_EXIT = 3;
