import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../config/config.schema';
import type { CustomerField } from '../customers/customer-fields';
import type { ListingValues } from '../engine/listing-submitter';
import { stepTimeoutMs } from '../engine/timeouts';
import { tryOnPage, type TargetReport, type TryReport } from '../engine/try-run';
import type { DirectoryDocument } from '../directories/definition/directory.schema';
import { withToolPage } from './tool-browser';

/**
 * The customer a Try fills in when none is named: obviously made up (example.com, 555 numbers),
 * so a form that does get it cannot be mistaken for a real business.
 */
export const SAMPLE_CUSTOMER: Record<CustomerField, string> = {
  businessName: 'Boltline Try Sample Bakery (test, please ignore)',
  email: 'try-sample@example.com',
  phone: '+1 555 010 0199',
  website: 'https://try-sample.example.com',
  address: '1 Example Street',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  country: 'US',
  category: 'Other',
  description: 'A sample listing sent by the Boltline Try tool to test an adapter. It is not a real business.',
};

/** The sample customer's logo (a 1x1 PNG), written beside the screenshots for an upload field to send. */
const SAMPLE_LOGO_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

export interface TryResult extends TryReport {
  directoryId: string;
  submitUrl: string;
  submitted: boolean;
  screenshotDir: string;
  /** Every target the run reached matched, and it got to the submit click (and past it with --submit). */
  ok: boolean;
}

/** A Try of one directory's adapter, in a browser fenced like a worker's. */
export async function tryDirectory(
  config: AppConfig,
  directory: DirectoryDocument,
  values: ListingValues,
  opts: { submit: boolean; screenshotDir?: string; signal?: AbortSignal },
): Promise<TryResult> {
  const screenshotDir = opts.screenshotDir ?? join(tmpdir(), `boltline-try-${directory.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (values.logo === undefined && (directory.adapter.steps ?? []).some((s) => s.fields.some((f) => f.kind === 'upload'))) {
    // The sample customer (no --customer): give an upload field a file to send.
    await mkdir(screenshotDir, { recursive: true });
    await writeFile(join(screenshotDir, 'sample-logo.png'), SAMPLE_LOGO_PNG);
    values = { ...values, logo: join(screenshotDir, 'sample-logo.png') };
  }
  const report = await withToolPage(config, { submitUrl: directory.submitUrl, verifyUrl: directory.adapter.verify?.url, searchUrl: directory.adapter.verify?.search?.url, loginUrl: directory.adapter.login?.url }, async (page, blocked) => {
    const run = await tryOnPage(page, directory.adapter, directory.submitUrl, values, { submit: opts.submit, screenshotDir, stepTimeoutMs: stepTimeoutMs(config) });
    const refused = blocked();
    if (refused) run.error = `blocked by policy: ${refused.endpoint} (${refused.reason}); the page was closed there`;
    else if (opts.signal?.aborted) run.error = `stopped: ${String(opts.signal.reason ?? 'the Try was stopped')}`;
    return run;
  }, opts.signal);
  const matched = report.targets.every((t) => t.status === 'matched');
  const ok = !report.error && matched && report.reachedSubmit && (!opts.submit || report.outcome?.kind === 'submitted');
  return { ...report, directoryId: directory.id, submitUrl: directory.submitUrl, submitted: opts.submit && report.reachedSubmit, screenshotDir, ok };
}

/** The report as a person reads it in a terminal. */
export function formatTryResult(r: TryResult): string {
  const lines = [`Try of ${r.directoryId} at ${r.submitUrl}`];
  let step = 0;
  for (const t of r.targets) {
    if (t.step !== step) lines.push(`  step ${(step = t.step)}:`);
    lines.push(`    ${t.status === 'matched' ? 'ok  ' : 'FAIL'} ${t.role.padEnd(12)} ${describeTarget(t)}  ${t.status}${t.why ? `: ${t.why}` : ''}`);
  }
  if (r.error) lines.push(`stopped: ${r.error}`);
  if (!r.submitted && r.reachedSubmit) lines.push('stopped before the submit click, as asked: nothing was submitted (--submit goes all the way)');
  if (r.outcome) lines.push(`the page answered: ${r.outcome.kind}${r.outcome.message ? `: ${r.outcome.message}` : ''}`);
  lines.push(`screenshots: ${r.screenshotDir}`, r.ok ? 'result: OK' : 'result: FAILED');
  return lines.join('\n');
}

function describeTarget(t: TargetReport): string {
  return Object.entries(t.target)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
}
