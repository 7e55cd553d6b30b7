import type { Locator, Page, Response } from 'playwright-core';
import type { AdapterDefinition, FormStep, Target } from '../../directories/definition/adapter.schema';
import { ClickDeadlinePassed, OutcomeUnknown, type ListingValues } from './listing-submitter';
import { captureReference, pageProbe, waitForOutcome, waitForRule, type PageProbe } from './outcome';

export interface RunResult {
  kind: 'submitted' | 'rejected' | 'error';
  message?: string;
  /** The confirmation/reference number the success page gave (the definition's `capture`). */
  reference?: string;
  /** The site asked to be left alone this long (HTTP 429/503 with Retry-After). */
  retryAfterMs?: number;
}

function locate(page: Page, target: Target): Locator {
  return 'css' in target ? page.locator(target.css).first() : page.getByLabel(target.label, { exact: true }).first();
}

/** Where a step starts: its first field, or its first checkbox, or its button. */
function firstTargetOf(step: FormStep): Target {
  return step.fields[0]?.target ?? step.check?.[0] ?? step.advance;
}

/**
 * Interprets an adapter definition on an open page: fills each step, presses its button, and reads
 * the answer. `beforeSubmit` runs right before the last (irreversible) click and says until when
 * that click may happen.
 */
export async function runAdapter(
  page: Page,
  adapter: AdapterDefinition,
  submitUrl: string,
  values: ListingValues,
  log: (event: string, detail?: string) => void,
  beforeSubmit: () => Promise<number>,
  stepTimeoutMs: number,
): Promise<RunResult> {
  // A page that answers 5xx shows no selector we wait for: race every wait against that answer.
  let serverError: string | undefined;
  const failedNavigation = new Promise<'server-error'>((resolve) => {
    page.on('response', (r: Response) => {
      if (r.status() >= 500 && r.request().isNavigationRequest()) {
        serverError ??= `${r.status()} ${r.url()}`;
        resolve('server-error');
      }
    });
  });
  const orServerError = <T>(p: Promise<T>) => Promise.race([p, failedNavigation]);
  page.setDefaultTimeout(stepTimeoutMs);

  const first = await page.goto(submitUrl, { waitUntil: 'domcontentloaded' });
  log('navigated', `${first?.status() ?? '?'} ${submitUrl}`);
  if (first && first.status() >= 400) {
    // 408, 425 and 429 say "not now"; other 4xx (404, 410, ...) will not change on a retry.
    const transient = first.status() >= 500 || [408, 425, 429].includes(first.status());
    const retryAfterMs = transient ? retryAfter(first.headers()['retry-after']) : undefined;
    const message = `form page answered HTTP ${first.status()}${retryAfterMs !== undefined ? ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)` : ''}`;
    return { kind: transient ? 'error' : 'rejected', message, retryAfterMs };
  }

  let probe: PageProbe | undefined;
  for (const [i, step] of adapter.steps.entries()) {
    const last = i === adapter.steps.length - 1;
    if ((await orServerError(locate(page, firstTargetOf(step)).waitFor({ state: 'visible' }))) === 'server-error') {
      return { kind: 'error', message: `server error: ${serverError}` };
    }
    for (const f of step.fields) {
      const value = values[f.field] ?? '';
      const el = locate(page, f.target);
      if (f.kind === 'select') await el.selectOption(value);
      else await el.fill(value);
    }
    for (const c of step.check ?? []) await locate(page, c).check();
    log(`step ${i + 1} filled`, `${step.fields.length} field(s)`);
    const button = locate(page, step.advance);
    if (last) {
      // Everything that can wait happens before the deadline check; after it, only the click.
      await button.click({ trial: true });
      const deadline = await beforeSubmit();
      log('submitting');
      if (Date.now() >= deadline) throw new ClickDeadlinePassed();
      probe = pageProbe(page); // the final answer's status counts from this click
    }
    await button.click();
    if (!last && step.waitFor && !(await waitForRule(step.waitFor, pageProbe(page), stepTimeoutMs, () => serverError !== undefined))) {
      if (serverError) return { kind: 'error', message: `server error: ${serverError}` };
      return { kind: 'error', message: `step ${i + 1}: the page did not show what waitFor expects after its button` };
    }
  }

  const winner = await waitForOutcome(adapter.success, adapter.failure, probe!, stepTimeoutMs, () => serverError !== undefined);
  // A 5xx answer is read by serverErrorMeans, whatever the page shows with it.
  if (serverError && adapter.serverErrorMeans === 'not-recorded') {
    // The definition says this site records nothing when it fails: a plain retry is safe.
    log('server error', `${serverError}; the directory records nothing on a server error`);
    return { kind: 'error', message: `server error after submitting: ${serverError} (the directory records nothing on a server error)` };
  }
  // After the irreversible click, silence or a server error says nothing about whether the
  // listing was taken: that is an unknown outcome, for the next attempt to verify, not a refusal.
  if (serverError) throw new OutcomeUnknown(`server error after submitting: ${serverError}`);
  if (!winner) throw new OutcomeUnknown('the page showed neither success nor failure after submitting');

  const text = winner.message;
  log(winner.ok ? 'accepted' : 'refused', text);
  if (winner.ok) {
    const reference = adapter.capture ? await captureReference(adapter.capture, probe!) : undefined;
    if (adapter.capture) log(reference ? 'reference' : 'no reference found', reference);
    return { kind: 'submitted', message: text, reference };
  }
  const permanent = adapter.permanentFailures.some((p) => new RegExp(p, 'i').test(text));
  return { kind: permanent ? 'rejected' : 'error', message: text };
}

/** Retry-After in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = /^\s*(\d+)\s*$/.exec(header);
  if (seconds) return Number(seconds[1]) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
