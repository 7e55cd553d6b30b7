/**
 * The extension's numbers and the protocol's names in one place. The protocol itself is
 * src/leases/protocol.ts (docs/worker-protocol.md); this file repeats the few names the
 * extension sends, and test/extension.test.ts checks they still match.
 */

/** Where the lease API lives under the Boltline URL staff paste. */
export const WORKER_PATH = '/api/v1/worker';

/** A person is at this browser: it takes the submissions marked `assisted`, and drives a browser. */
export const CAPABILITIES = ['browser', 'assisted'];
export const WORKER_KIND = 'extension';

/** Where a call without a JSON body (the screenshot) sends the lease's token (protocol.ts LEASE_TOKEN_HEADER). */
export const LEASE_TOKEN_HEADER = 'x-lease-token';

/** The problem `type` that says a lease is gone (protocol.ts LEASE_EXPIRED). */
export const LEASE_EXPIRED = 'lease-expired';

/** An idle worker asks for work this often: under the protocol's IDLE_POLL_MAX_MS (10 s), so staff see it as present. */
export const IDLE_POLL_MS = 5_000;
/** After an error the API or the network gave, the poll waits this long (doubling up to the most). */
export const ERROR_POLL_MS = { first: 2_000, most: 60_000 };

/** Reports (complete, fail, screenshot) are idempotent: retried this many times on a 5xx, 429 or no answer. */
export const REPORT_RETRIES = 6;

/** The fleet's step timeout (src/engine/timeouts.ts): the longest wait for one page step, the answer included. */
export const STEP_TIMEOUT_MS = 15_000;
/** How long a step waits for something to dismiss before deciding it is not there (engine's DISMISS_WAIT_MS). */
export const DISMISS_WAIT_MS = 3_000;
/** How often the answer page is read after the click. */
export const OUTCOME_POLL_MS = 250;
/** The longest a filled form waits for the person; then the lease is given back for someone else. */
export const PERSON_WAIT_MS = 20 * 60_000;
/** The form page's load, before anything is filled. */
export const PAGE_LOAD_MS = 30_000;

/** The API keeps at most this much of a screenshot (PUT /leases/:id/screenshot). */
export const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;
/** A 429 on the form page without a Retry-After the extension can read (it cannot read headers): the fleet's own wait. */
export const TOO_MANY_REQUESTS_MS = 60_000;

/** chrome.alarms wakes a stopped service worker this often (Chrome's shortest period is 30 s). */
export const WAKE_ALARM = 'boltline-wake';
export const WAKE_PERIOD_MINUTES = 0.5;
