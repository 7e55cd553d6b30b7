import type { Page, Response } from 'playwright-core';
import type { FormAdapterDefinition, FormStep, Target } from '../directories/definition/adapter.schema';
import { applyField, clickAll, dismissIfPresent } from './actions';
import { ClickDeadlinePassed, OutcomeUnknown, type ClickGate, type ListingValues } from './listing-submitter';
import { captureReference, pageProbe, waitForOutcome, waitForRule, type PageProbe } from './outcome';
import { locate, onTarget } from './targets';
import { prepareValues, type Credentials, type PreparedValue } from './values';

export interface RunResult {
  kind: 'submitted' | 'rejected' | 'error';
  message?: string;
  /** The confirmation/reference number the success page gave (the definition's `capture`). */
  reference?: string;
  /** The site asked to be left alone this long (429, or Retry-After on a 503/408/425). */
  retryAfterMs?: number;
}

/** What a 429 without a (readable) Retry-After costs the directory. */
export const TOO_MANY_REQUESTS_MS = 60_000;

/** Where a step starts: what it clicks first, its first field, its first checkbox, or its button. */
function firstTargetOf(step: FormStep): Target {
  return (step.click?.[0] ?? step.fields[0]?.target ?? step.check?.[0] ?? step.advance) as Target;
}

/** What a run may be given besides the definition and the listing. */
export interface RunOptions {
  /** Runs once a step of the form is filled, before its button is pressed (the Try tool reports and photographs each step there). */
  afterFill?: (stepIndex: number) => Promise<void>;
  /** The directory's sign-in values, for the definition's `login` steps only. */
  credentials?: Credentials;
  /** How the host wraps each phase of the run (the fleet's workers: a trace span each); by default it just runs it. */
  around?: Around;
}

/** A host's wrapper around one phase of a run: its name, what to label it with, and the phase. */
export type Around = <T>(name: string, attributes: Record<string, string | number>, phase: () => Promise<T>) => Promise<T>;
export const plainly: Around = (_name, _attributes, phase) => phase();

/**
 * Interprets an adapter definition on an open page: signs in when the definition says so, fills
 * each step, presses its button, and reads the answer. `gate` opens right before the last
 * (irreversible) click and says until when that click may happen (see {@link ClickGate}).
 */
export async function runAdapter(
  page: Page,
  adapter: FormAdapterDefinition,
  submitUrl: string,
  values: ListingValues,
  log: (event: string, detail?: string) => void,
  gate: ClickGate,
  stepTimeoutMs: number,
  opts: RunOptions = {},
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

  // A value the customer lacks (or a sign-in without stored credentials) fails the row here,
  // before the directory sees any of the listing.
  const prepared = prepareValues(adapter, values, opts.credentials);
  const around = opts.around ?? plainly;
  if (!prepared.ok) {
    log('not submitted', prepared.message);
    return { kind: 'rejected', message: prepared.message };
  }
  for (const n of prepared.notes) log('trimmed', n);

  /** Opens a page of the directory; a result when it answered with an HTTP error. */
  const open = (url: string, what: string) => openFormPage(page, url, log, what);

  /** Fills one step and presses its button; on the form's last step, only up to the click. */
  const fill = async (step: FormStep, stepValues: PreparedValue[], name: string): Promise<RunResult | undefined> => {
    const start = firstTargetOf(step);
    if ((await orServerError(onTarget(start, () => locate(page, start).waitFor({ state: 'visible' })))) === 'server-error') {
      return { kind: 'error', message: `server error: ${serverError}` };
    }
    if (step.dismiss) await dismissIfPresent(page, step.dismiss, log);
    if (step.click) await clickAll(page, step.click, log);
    let filled = 0;
    for (const [j, f] of step.fields.entries()) {
      const v = stepValues[j];
      if (v.skip) continue;
      await applyField(page, f, v.value, log);
      filled++;
    }
    for (const c of step.check ?? []) await onTarget(c, () => locate(page, c).check());
    log(`${name} filled`, `${filled} field(s)${filled < step.fields.length ? `, ${step.fields.length - filled} optional one(s) left empty` : ''}`);
    return undefined;
  };
  const advanceOf = (step: FormStep) => {
    // press: the key goes to the step's last field (a form with Enter as its only way on).
    const at = step.advance ?? step.fields[step.fields.length - 1].target;
    const control = locate(page, at);
    return { at, control, go: () => onTarget(at, () => (step.press ? control.press(step.press) : control.click())) };
  };
  const waitedFor = async (step: FormStep, name: string): Promise<RunResult | undefined> => {
    if (!step.waitFor || (await waitForRule(step.waitFor, pageProbe(page), stepTimeoutMs, () => serverError !== undefined))) return undefined;
    if (serverError) return { kind: 'error', message: `server error: ${serverError}` };
    return { kind: 'error', message: `${name}: the page did not show what waitFor expects after its button` };
  };

  if (adapter.login) {
    const login = adapter.login;
    const signInUrl = new URL(login.url ?? submitUrl, submitUrl);
    // Checked again here, not only by the schema: a stored definition may predate the check.
    if (!['http:', 'https:'].includes(signInUrl.protocol)) return { kind: 'rejected', message: `login.url must be an http(s) page, not ${signInUrl.protocol}` };
    const stopped = await open(signInUrl.href, 'sign-in page');
    if (stopped) return stopped;
    let signedIn: PageProbe | undefined;
    for (const [i, step] of login.steps.entries()) {
      const name = `login step ${i + 1}`;
      const broke = await fill(step, prepared.login[i], name);
      if (broke) return broke;
      signedIn = pageProbe(page); // the sign-in's answer counts from its last click
      await advanceOf(step).go();
      const notShown = await waitedFor(step, name);
      if (notShown) return { ...notShown, message: `sign-in failed: ${notShown.message}` };
    }
    if (login.success && !(await waitForRule(login.success, signedIn!, stepTimeoutMs, () => serverError !== undefined))) {
      // Wrong or expired credentials, or a site that was down: worth another attempt, and staff see why.
      const message = serverError ? `sign-in failed: server error: ${serverError}` : 'sign-in failed: the page did not show what login.success expects after signing in';
      log('sign-in failed', message);
      return { kind: 'error', message };
    }
    log('signed in');
  }

  const stopped = await around('browser form page', {}, () => open(submitUrl, 'form page'));
  if (stopped) return stopped;

  let probe: PageProbe | undefined;
  for (const [i, step] of adapter.steps.entries()) {
    const last = i === adapter.steps.length - 1;
    const stepEnded = await around(`browser step ${i + 1}`, { 'boltline.step': i + 1, 'boltline.step.last': String(last) }, async () => {
      const broke = await fill(step, prepared.steps[i], `step ${i + 1}`);
      if (broke) return broke;
      await opts.afterFill?.(i);
      const advance = advanceOf(step);
      if (last) {
        // Everything that can wait happens before the deadline check; after it, only the click.
        if (!step.press) await onTarget(advance.at, () => advance.control.click({ trial: true }));
        const deadline = await gate.open();
        log('submitting');
        if (Date.now() >= deadline) throw new ClickDeadlinePassed();
        probe = pageProbe(page); // the final answer's status counts from this click
      }
      await advance.go();
      return last ? undefined : waitedFor(step, `step ${i + 1}`);
    });
    if (stepEnded) return stepEnded;
  }

  const winner = await around('browser outcome', {}, () => waitForOutcome(adapter.success, adapter.failure, probe!, stepTimeoutMs, () => serverError !== undefined));
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

/**
 * Opens the form page; when it answers an HTTP error, the outcome that answer means (and nothing
 * has been sent). Shared by the form runner and code adapters.
 */
export async function openFormPage(page: Page, url: string, log: (event: string, detail?: string) => void, what = 'form page'): Promise<RunResult | undefined> {
  const first = await page.goto(url, { waitUntil: 'domcontentloaded' });
  log('navigated', `${first?.status() ?? '?'} ${url}`);
  if (!first || first.status() < 400) return undefined;
  // 408, 425 and 429 say "not now"; other 4xx (404, 410, ...) will not change on a retry.
  const transient = first.status() >= 500 || [408, 425, 429].includes(first.status());
  // A 429 without a readable Retry-After still says "not now": the fleet waits a minute.
  const retryAfterMs = transient ? (retryAfter(first.headers()['retry-after']) ?? (first.status() === 429 ? TOO_MANY_REQUESTS_MS : undefined)) : undefined;
  const message = `${what} answered HTTP ${first.status()}${retryAfterMs !== undefined ? ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)` : ''}`;
  return { kind: transient ? 'error' : 'rejected', message, retryAfterMs };
}

/** Retry-After in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = /^\s*(\d+)\s*$/.exec(header);
  if (seconds) return Number(seconds[1]) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
