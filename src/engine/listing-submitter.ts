import type { AdapterDefinition } from '../directories/definition/adapter.schema';
import type { ResponseLogEntry } from '../common/response-log';

export type ListingValues = Record<string, string>;

export interface SubmissionRequest {
  directory: { id: string; name: string; submitUrl: string; adapter: AdapterDefinition };
  values: ListingValues;
  attempt: number;
  /** Where to save the page as it looked at the end. */
  screenshotPath: string;
}

/**
 * The handshake before the irreversible click, held by whoever owns the attempt (the worker's
 * SubmissionService, which records it on the row). A submitter fills the form and, right before pressing
 * the button that sends it, calls {@link open}. The gate records that the attempt is submitting
 * (from then on a crash is verified, never blindly resubmitted) and resolves to the local time
 * (epoch ms) after which the click must not happen any more; the submitter clicks before then
 * or not at all ({@link ClickDeadlinePassed}). It throws {@link SubmitAborted} when the attempt
 * must not click: the order was paused or cancelled, or a newer attempt owns the row. A
 * submitter never clicks without an open gate.
 */
export interface ClickGate {
  open(): Promise<number>;
}

/**
 * What the page said. `submitted`: accepted. `rejected`: refused for a reason a retry cannot fix.
 * `error`: refused or broken in a way worth retrying (server error, transient message).
 */
export interface SubmissionOutcome {
  kind: 'submitted' | 'rejected' | 'error';
  message?: string;
  /** The confirmation/reference number the success page gave, when the definition captures one. */
  reference?: string;
  /** The site asked to be left alone this long (429, or Retry-After on an `error`). */
  retryAfterMs?: number;
  log: ResponseLogEntry[];
  screenshotPath?: string;
}

/** Thrown by the submitter when an attempt broke; `log` holds what happened up to then. */
export class SubmissionFailed extends Error {
  constructor(
    message: string,
    readonly log: ResponseLogEntry[],
    readonly screenshotPath?: string,
    /** Set when an element the adapter names never appeared (what was waited for): the form may have changed. */
    readonly targetMissing?: string,
  ) {
    super(message);
  }
}

export class SubmitAborted extends Error {}

/**
 * The directory's page tried to reach a host outside the catalogue or a private address (a
 * redirect, a form action, a frame, a script), and the egress proxy refused it; the attempt was
 * stopped there. A policy decision: final, never retried.
 */
export class BlockedByPolicy extends SubmissionFailed {
  constructor(readonly host: string, readonly reason: string, log: ResponseLogEntry[]) {
    super(`blocked by policy: ${host} (${reason})`, log);
  }
}

/**
 * The worker's browser would not start, or died (or stopped answering) under the attempt: the
 * worker's fault, not the directory's. The attempt does not count against the directory; the
 * queue entry goes back to the queue. `log` holds what happened up to then.
 */
export class BrowserFailed extends Error {
  constructor(message: string, readonly log: ResponseLogEntry[] = []) {
    super(message);
  }
}

/** Submitted, but the page never said whether it took the listing. */
export class OutcomeUnknown extends Error {}

/** The click's deadline passed before it could happen (the worker was frozen or starved). */
export class ClickDeadlinePassed extends Error {
  constructor() {
    super('the submit deadline passed before the click; another attempt will check the directory');
  }
}

/**
 * The port between Boltline and a browser. The Playwright implementation drives Chromium; unit
 * tests swap in a fake.
 */
export interface ListingSubmitter {
  /** Fills the directory's form and, once `gate` opens, submits it. */
  submit(request: SubmissionRequest, gate: ClickGate): Promise<SubmissionOutcome>;
  /** Asks the directory whether the business is listed; undefined when the adapter cannot tell. */
  isListed(directory: SubmissionRequest['directory'], values: ListingValues): Promise<boolean | undefined>;
}

export const LISTING_SUBMITTER = Symbol('LISTING_SUBMITTER');
