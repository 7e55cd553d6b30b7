import type { ResponseLogEntry } from '../common/response-log';
import { firstLine } from '../engine/attempt';
import { BrowserFailed, ClickDeadlinePassed, SubmissionFailed, type SubmissionOutcome, SubmitAborted } from '../engine/listing-submitter';
import type { CompleteRequest, FailRequest, LogLine } from '../leases/protocol';

/** What to tell the server at the end of a lease, and the picture to upload first. */
export type Report =
  | { call: 'complete'; body: Omit<CompleteRequest, 'token'>; screenshotPath?: string }
  | { call: 'fail'; body: Omit<FailRequest, 'token'>; screenshotPath?: string };

/** Said of a refusal the page gave no words for. */
const REFUSED = 'the directory refused the listing';

/** The engine's log lines as the protocol carries them: the attempt number is the lease's. */
export function logLines(log: readonly ResponseLogEntry[]): LogLine[] {
  return log.map(({ at, event, detail }) => (detail === undefined ? { at, event } : { at, event, detail }));
}

/**
 * What the page said after the click. `rejected` (a refusal a retry cannot fix) and `error` (one
 * worth retrying, maybe after the directory's Retry-After) are both the directory refusing.
 */
export function outcomeReport(outcome: SubmissionOutcome): Report {
  const log = logLines(outcome.log);
  const { screenshotPath } = outcome;
  switch (outcome.kind) {
    case 'submitted':
      return { call: 'complete', body: { outcome: { result: 'submitted', reference: outcome.reference }, log }, screenshotPath };
    case 'rejected':
      return { call: 'complete', body: { outcome: { result: 'refused', reason: outcome.message ?? REFUSED, retryable: false }, log }, screenshotPath };
    case 'error':
      return {
        call: 'complete',
        body: { outcome: { result: 'refused', reason: outcome.message ?? REFUSED, retryable: true, retryAfterMs: outcome.retryAfterMs }, log },
        screenshotPath,
      };
  }
}

/**
 * What an attempt that threw tells the server; undefined when there is nothing to tell (the
 * server stopped the click, and has settled the lease itself). `log`: the attempt's lines, for
 * an error that carries none of its own.
 */
export function failureReport(err: unknown, log: readonly ResponseLogEntry[]): Report | undefined {
  if (err instanceof SubmitAborted) return undefined;
  const message = firstLine(err);
  if (err instanceof ClickDeadlinePassed) return fail('deadline', message, log);
  // The worker's own browser: no fault of the directory's; the server gives the attempt back.
  if (err instanceof BrowserFailed) return fail('browser', message, err.log.length ? err.log : log);
  if (err instanceof SubmissionFailed) {
    const report = fail(err.targetMissing ? 'target_missing' : 'page', message, err.log, err.screenshotPath);
    if (err.targetMissing) report.body.target = err.targetMissing;
    return report;
  }
  return fail('page', message, log);
}

function fail(kind: FailRequest['kind'], message: string, log: readonly ResponseLogEntry[], screenshotPath?: string): Report & { call: 'fail' } {
  return { call: 'fail', body: { kind, message, log: logLines(log) }, screenshotPath };
}
