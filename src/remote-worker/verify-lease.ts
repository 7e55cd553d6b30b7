import type { BrowserContext } from 'playwright-core';
import type { ResponseLogEntry } from '../common/response-log';
import { askListed, firstLine } from '../engine/attempt';
import { BrowserFailed } from '../engine/listing-submitter';
import { stepTimeoutMs } from '../engine/timeouts';
import type { Lease } from '../leases/protocol';
import { SUBMIT_TIMEOUT_MS } from './constants';
import type { RemoteBrowser } from './remote-browser';
import { logLines, type Report } from './report';

/**
 * A verify lease: an earlier attempt clicked and its answer was lost, so the directory is only
 * asked whether the business is listed, never submitted to. A page that breaks is an answer it
 * could not give (null: staff decide); a browser that died is this worker's failure.
 */
export async function verifyLease(context: BrowserContext, lease: Lease, browser: RemoteBrowser, log: ResponseLogEntry[]): Promise<Report> {
  const note = (event: string, detail?: string) => log.push({ at: new Date().toISOString(), attempt: lease.attempt, event, detail });
  let listed: boolean | undefined;
  try {
    listed = await askListed(context, lease.directory, lease.values, stepTimeoutMs({ SUBMIT_TIMEOUT_MS }));
  } catch (err) {
    if (!(await browser.answers(context))) throw new BrowserFailed(`Chromium went away while checking the listing: ${firstLine(err)}`, log);
    note('error', firstLine(err));
  }
  note('asked whether listed', `listed: ${listed ?? 'unknown'}`);
  return { call: 'complete', body: { listed: listed ?? null, log: logLines(log) } };
}
