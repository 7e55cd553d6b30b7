import type { BrowserContext } from 'playwright-core';
import type { ResponseLogEntry } from '../common/response-log';
import { type AttemptHost, firstLine, runAttempt, webScheme } from '../engine/attempt';
import { BrowserFailed } from '../engine/listing-submitter';
import { attemptTimeouts } from '../engine/timeouts';
import type { Lease } from '../leases/protocol';
import type { WorkerApi } from './api-client';
import { SUBMIT_TIMEOUT_MS } from './constants';
import { LeaseGate } from './lease-gate';
import type { LeaseWatch } from './lease-watch';
import type { RemoteBrowser } from './remote-browser';
import { logLines, outcomeReport, type Report } from './report';

export interface SubmitParts {
  api: WorkerApi;
  browser: RemoteBrowser;
  watch: LeaseWatch;
  /** Where the engine saves the page as it looked at the end (a temporary file). */
  screenshotPath: string;
  /** The attempt's log, which the engine writes. */
  log: ResponseLogEntry[];
}

/**
 * A submit lease in `context`: the engine fills and submits the form (src/engine/attempt.ts, as
 * in the fleet's workers); this host bounds the attempt's time, hands it the lease's sign-in
 * values, and says whether the browser still answers. Throws what runAttempt throws.
 */
export async function submitLease(context: BrowserContext, lease: Lease, p: SubmitParts): Promise<Report> {
  // file:, data: or chrome: pages are never opened, whatever the lease says.
  const scheme = webScheme(lease.directory.submitUrl);
  if (scheme) return { call: 'fail', body: { kind: 'page', message: `the submit URL is ${scheme}: only http and https pages are opened`, log: logLines(p.log) } };
  // The whole attempt is bounded: closing the context makes every pending browser call fail.
  const limits = attemptTimeouts({ SUBMIT_TIMEOUT_MS }, lease.directory.adapter);
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    void context.close().catch(() => undefined);
  }, limits.submitMs);
  try {
    const page = await context.newPage().catch(async (err: unknown) => {
      throw (await p.browser.answers(context)) ? err : new BrowserFailed(`Chromium did not open a page: ${firstLine(err)}`, p.log);
    });
    p.watch.progress = 'filling';
    const host: AttemptHost = {
      credentials: async () => lease.credentials,
      // No egress proxy here: nothing to refuse a page's connections.
      blocked: () => undefined,
      timedOut: () =>
        !timedOut
          ? undefined
          : limits.submitMs < SUBMIT_TIMEOUT_MS
            ? `the attempt took longer than the directory's timeouts.submitMs (${limits.submitMs} ms)`
            : `the attempt took longer than the remote worker's bound (${SUBMIT_TIMEOUT_MS} ms)`,
      browserAnswers: () => p.browser.answers(context),
    };
    const request = { directory: lease.directory, values: lease.values, attempt: lease.attempt, screenshotPath: p.screenshotPath };
    return outcomeReport(await runAttempt(page, request, new LeaseGate(p.api, lease, p.watch), host, limits.stepMs, p.log));
  } finally {
    clearTimeout(deadline);
  }
}
