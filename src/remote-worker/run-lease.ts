import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { ResponseLogEntry } from '../common/response-log';
import type { Held, WorkerApi } from './api-client';
import { LeaseWatch } from './lease-watch';
import type { RemoteBrowser } from './remote-browser';
import { failureReport, type Report } from './report';
import { say } from './say';
import { settle } from './settle';
import { submitLease } from './submit-lease';
import { verifyLease } from './verify-lease';

export interface LeaseHost {
  api: WorkerApi;
  browser: RemoteBrowser;
  /** A directory of the worker's own for the attempts' screenshots, each deleted once reported. */
  shotsDir: string;
}

/**
 * One lease from start to report, in a fresh browser context: heartbeats while it runs, the
 * engine's attempt (submit) or question (verify), then the screenshot and complete or fail. A lost
 * lease closes the context at once and reports nothing. Never throws: one line on stdout at the
 * start, one at the end.
 */
export async function runLease(held: Held, host: LeaseHost): Promise<void> {
  const { lease } = held;
  const name = `lease ${lease.id} (${lease.kind} ${lease.directory.id}, attempt ${lease.attempt})`;
  say(`${name}: started`);
  const watch = new LeaseWatch(host.api, held);
  const log: ResponseLogEntry[] = [];
  const screenshotPath = join(host.shotsDir, `${lease.id.replace(/[^A-Za-z0-9_-]/g, '_')}.png`);
  let context: BrowserContext | undefined;
  let report: Report | undefined;
  try {
    try {
      const opened = (context = await host.browser.newContext());
      watch.onLost(() => void opened.close().catch(() => undefined));
      report =
        lease.kind === 'verify'
          ? await verifyLease(opened, lease, host.browser, log)
          : await submitLease(opened, lease, { api: host.api, browser: host.browser, watch, screenshotPath, log });
    } catch (err) {
      report = failureReport(err, log);
    }
    if (context) await host.browser.closeContext(context);
    if (report?.call === 'fail' && report.body.kind === 'browser') await host.browser.failed(report.body.message, context);
    else if (!watch.lostBecause) host.browser.worked();
    say(`${name}: ${await settle(host.api, lease, watch, report)}`);
  } catch (err) {
    // Nothing above should throw; a bug here must not take the other leases down with it.
    say(`${name}: ended by an unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    watch.stop();
    await rm(screenshotPath, { force: true }).catch(() => undefined);
  }
}
