import type { Page, Response } from 'playwright-core';
import type { AdapterDefinition, FormStep, Target } from '../../directories/definition/adapter.schema';
import { applyField, clickAll, dismissIfPresent } from './actions';
import { ClickDeadlinePassed, OutcomeUnknown, type ListingValues } from './listing-submitter';
import { locate, onTarget } from './targets';
import { prepareValues } from './values';

export interface RunResult {
  kind: 'submitted' | 'rejected' | 'error';
  message?: string;
  /** The form page said "not now" (429, or Retry-After): the fleet leaves the directory alone this long. */
  retryAfterMs?: number;
}

/** What a 429 without a (readable) Retry-After costs the directory. */
const TOO_MANY_REQUESTS_MS = 60_000;

/** Where a step starts: what it clicks first, its first field, its first checkbox, or its button. */
function firstTargetOf(step: FormStep): Target {
  return (step.click?.[0] ?? step.fields[0]?.target ?? step.check?.[0] ?? step.advance) as Target;
}

/**
 * Interprets an adapter definition on an open page: fills each step, presses its button, and reads
 * the answer. `beforeSubmit` runs right before the last (irreversible) click and says until when
 * that click may happen. `afterFill`, when given, runs once a step is filled, before its button is
 * pressed (the Try tool reports and photographs each step there).
 */
export async function runAdapter(
  page: Page,
  adapter: AdapterDefinition,
  submitUrl: string,
  values: ListingValues,
  log: (event: string, detail?: string) => void,
  beforeSubmit: () => Promise<number>,
  stepTimeoutMs: number,
  afterFill?: (stepIndex: number) => Promise<void>,
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

  // A value the customer lacks fails the row here, before the directory sees any of the listing.
  const prepared = prepareValues(adapter, values);
  if (!prepared.ok) {
    log('not submitted', prepared.message);
    return { kind: 'rejected', message: prepared.message };
  }
  for (const n of prepared.notes) log('trimmed', n);

  const first = await page.goto(submitUrl, { waitUntil: 'domcontentloaded' });
  log('navigated', `${first?.status() ?? '?'} ${submitUrl}`);
  if (first && first.status() >= 400) {
    // 408, 425 and 429 say "not now"; other 4xx (404, 410, ...) will not change on a retry.
    const transient = first.status() >= 500 || [408, 425, 429].includes(first.status());
    const retryAfter = Number(first.headers()['retry-after']) * 1000 || (first.status() === 429 ? TOO_MANY_REQUESTS_MS : undefined);
    return { kind: transient ? 'error' : 'rejected', message: `form page answered HTTP ${first.status()}`, retryAfterMs: transient ? retryAfter : undefined };
  }

  for (const [i, step] of adapter.steps.entries()) {
    const last = i === adapter.steps.length - 1;
    const start = firstTargetOf(step);
    if ((await orServerError(onTarget(start, () => locate(page, start).waitFor({ state: 'visible' })))) === 'server-error') {
      return { kind: 'error', message: `server error: ${serverError}` };
    }
    if (step.dismiss) await dismissIfPresent(page, step.dismiss, log);
    if (step.click) await clickAll(page, step.click, log);
    let filled = 0;
    for (const [j, f] of step.fields.entries()) {
      const v = prepared.steps[i][j];
      if (v.skip) continue;
      await applyField(page, f, v.value, log);
      filled++;
    }
    for (const c of step.check ?? []) await onTarget(c, () => locate(page, c).check());
    log(`step ${i + 1} filled`, `${filled} field(s)${filled < step.fields.length ? `, ${step.fields.length - filled} optional one(s) left empty` : ''}`);
    await afterFill?.(i);
    // press: the key goes to the step's last field (a form with Enter as its only way on).
    const at = step.advance ?? step.fields[step.fields.length - 1].target;
    const control = locate(page, at);
    const advance = () => onTarget(at, () => (step.press ? control.press(step.press) : control.click()));
    if (last) {
      // Everything that can wait happens before the deadline check; after it, only the click.
      if (!step.press) await onTarget(at, () => control.click({ trial: true }));
      const deadline = await beforeSubmit();
      log('submitting');
      if (Date.now() >= deadline) throw new ClickDeadlinePassed();
    }
    await advance();
  }

  const outcome = [...adapter.success.selectors.map((s) => ({ s, ok: true })), ...adapter.failure.selectors.map((s) => ({ s, ok: false }))];
  const winner = await orServerError(
    Promise.any(
      outcome.map(async ({ s, ok }) => {
        await page.locator(s).first().waitFor({ state: 'visible' });
        return { s, ok };
      }),
    ),
  ).catch(() => undefined);
  // After the irreversible click, silence or a server error says nothing about whether the
  // listing was taken: that is an unknown outcome, for the next attempt to verify, not a refusal.
  if (serverError || winner === 'server-error') throw new OutcomeUnknown(`server error after submitting: ${serverError}`);
  if (!winner) throw new OutcomeUnknown('the page showed neither success nor failure after submitting');

  const text = (await page.locator(winner.s).first().innerText()).trim().slice(0, 2000);
  log(winner.ok ? 'accepted' : 'refused', text);
  if (winner.ok) return { kind: 'submitted', message: text };
  const permanent = adapter.permanentFailures.some((p) => new RegExp(p, 'i').test(text));
  return { kind: permanent ? 'rejected' : 'error', message: text };
}
