import { Inject, Injectable } from '@nestjs/common';
import type { ResponseLogEntry } from '../src/common/response-log';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config.schema';
import { CUSTOMER_FIELDS } from '../src/customers/customer-fields';
import {
  ClickDeadlinePassed,
  type ClickGate,
  type ListingSubmitter,
  type ListingValues,
  SubmissionFailed,
  type SubmissionOutcome,
  type SubmissionRequest,
} from '../src/engine/listing-submitter';
import { stepTimeoutMs } from '../src/engine/timeouts';
import { layoutOf } from '../src/sandbox/behaviour';
import { SITES } from '../src/sandbox/pages';
import type { LayoutSite } from '../src/sandbox/pages/site';

/** What refusals and acceptances say on the sandbox's result pages (`role="alert"`). */
const ALERT = /role="alert">([^<]*)</;

/**
 * The bench's stand-in for Chromium: submits a listing to a sandbox directory over plain HTTP, so
 * that the pipeline's own cost (outbox, queue, processor, fenced writes, counters, live notices) can
 * be measured without a browser's. Every layout is served the way its sandbox site reads a final
 * POST (src/sandbox/final-submission.ts): it GETs the form page (its session cookie, as a browser
 * would), opens the ClickGate, then sends one final POST with every field under the layout's names
 * and its required checkboxes ticked (two-step's page-1 POST is left out). Only sandbox directories
 * (`sandbox-NNNN`) can be submitted to: their layout follows from their position.
 */
@Injectable()
export class HttpSubmitter implements ListingSubmitter {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async submit(req: SubmissionRequest, gate: ClickGate): Promise<SubmissionOutcome> {
    const log: ResponseLogEntry[] = [];
    const note = (event: string, detail?: string) => log.push({ at: new Date().toISOString(), attempt: req.attempt, event, detail });
    const site = siteOf(req.directory.id, log);
    const timeout = () => AbortSignal.timeout(stepTimeoutMs(this.config));

    const form = await fetch(req.directory.submitUrl, { signal: timeout() }).catch((err: Error) => {
      throw new SubmissionFailed(`form page: ${err.message}`, log);
    });
    await form.text();
    note('form page', `HTTP ${form.status}`);
    if (!form.ok) throw new SubmissionFailed(`form page answered HTTP ${form.status}`, log);
    const cookie = form.headers.get('set-cookie')?.split(';')[0];

    const json = !site.resultPage;
    const fields = finalFields(site, req.values);
    const deadline = await gate.open();
    note('submitting');
    if (Date.now() >= deadline) throw new ClickDeadlinePassed();
    const res = await fetch(new URL(json ? 'api/listings' : 'submit', req.directory.submitUrl), {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
      signal: timeout(),
    }).catch((err: Error) => {
      // Sent, maybe received: the next attempt verifies (the service records `submitting`).
      throw new SubmissionFailed(`final POST: ${err.message}`, log);
    });
    const text = await res.text();
    const message = (json ? jsonMessage(text) : ALERT.exec(text)?.[1]) ?? `HTTP ${res.status}`;
    note(res.ok ? 'submitted' : 'refused', `HTTP ${res.status}: ${message}`);
    if (res.ok) return { kind: 'submitted', message, log };
    // The sandbox's refusals a retry cannot fix: invalid values, already listed.
    if (res.status === 409 || res.status === 422) return { kind: 'rejected', message, log };
    return { kind: 'error', message: `HTTP ${res.status}: ${message}`, log };
  }

  async isListed(directory: SubmissionRequest['directory'], values: ListingValues): Promise<boolean | undefined> {
    const url = new URL('listed', directory.submitUrl);
    url.searchParams.set('website', values.website ?? '');
    const res = await fetch(url, { signal: AbortSignal.timeout(stepTimeoutMs(this.config)) });
    if (!res.ok) return undefined;
    return ((await res.json()) as { listed: boolean }).listed;
  }
}

function siteOf(directoryId: string, log: ResponseLogEntry[]): LayoutSite {
  const position = /^sandbox-(\d{4})$/.exec(directoryId)?.[1];
  if (!position) throw new SubmissionFailed(`the bench's HTTP submitter only knows sandbox directories, not ${directoryId}`, log);
  return SITES[layoutOf(Number(position))];
}

function jsonMessage(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { message?: string }).message;
  } catch {
    return undefined; // an error page, not the API's answer
  }
}

/** The final POST's body: every customer field under the layout's name, every required box ticked. */
function finalFields(site: LayoutSite, values: ListingValues): Record<string, string> {
  const fields: Record<string, string> = Object.fromEntries(CUSTOMER_FIELDS.map((f) => [site.fieldNames[f], values[f] ?? '']));
  for (const check of site.requiredChecks) fields[check.name] = 'on';
  return fields;
}
