import { readFile } from 'node:fs/promises';
import { firstLine } from '../engine/attempt';
import type { Lease } from '../leases/protocol';
import { LeaseExpired, type WorkerApi } from './api-client';
import { RETRY_FOR_MS } from './constants';
import type { LeaseWatch } from './lease-watch';
import type { Report } from './report';
import { warn } from './say';

/**
 * Tells the server how the lease ended: the screenshot first (when the engine took one), then
 * complete or fail. Answers the line the worker logs. Nothing is told about a lease that is gone,
 * or one the server stopped before the click (it settled that itself).
 */
export async function settle(api: WorkerApi, lease: Lease, watch: LeaseWatch, report: Report | undefined): Promise<string> {
  if (watch.lostBecause) return `dropped: ${watch.lostBecause}`;
  if (!report) return 'stopped before the click: the server said not to click';
  watch.progress = 'reporting';
  try {
    if (report.screenshotPath) await upload(api, lease, report.screenshotPath);
    const settled = report.call === 'complete' ? await api.complete(lease, report.body, RETRY_FOR_MS.report) : await api.fail(lease, report.body, RETRY_FOR_MS.report);
    return `${summary(report)}; the row is ${settled.status}`;
  } catch (err) {
    watch.noticed(err);
    if (watch.lostBecause) return `dropped while reporting: ${watch.lostBecause}`;
    return `${summary(report)}, but the report did not get through (${firstLine(err)}); the server takes the lease back when it expires`;
  }
}

/** The page's picture, if the engine saved one; a server that finds it too big, or does not take it, gets the report without it. */
async function upload(api: WorkerApi, lease: Lease, path: string): Promise<void> {
  const data = await readFile(path).catch(() => undefined);
  if (!data) return;
  const type = /\.jpe?g$/i.test(path) ? 'image/jpeg' : 'image/png';
  try {
    if (!(await api.screenshot(lease, data, type, RETRY_FOR_MS.screenshot))) warn(`lease ${lease.id}: the screenshot is too big for the server; reporting without it`);
  } catch (err) {
    if (err instanceof LeaseExpired) throw err;
    warn(`lease ${lease.id}: the screenshot was not taken (${firstLine(err)}); reporting without it`);
  }
}

/** "submitted (reference X)", "refused, retryable: ...", "listed: true", "failed (page): ...". */
function summary(report: Report): string {
  if (report.call === 'fail') return `failed (${report.body.kind}): ${report.body.message}`;
  const { outcome, listed } = report.body;
  if (!outcome) return `listed: ${listed ?? 'unknown'}`;
  if (outcome.result === 'submitted') return outcome.reference ? `submitted (reference ${outcome.reference})` : 'submitted';
  return `refused${outcome.retryable ? ', retryable' : ''}: ${outcome.reason}`;
}
