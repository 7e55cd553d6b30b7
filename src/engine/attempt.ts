import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { ResponseLogEntry } from '../common/response-log';
import type { AdapterDefinition, Target } from '../directories/definition/adapter.schema';
import { runCodeAdapter } from './code-adapters/run-code-adapter';
import { type Around, plainly, runAdapter, type RunResult } from './form-runner';
import { BlockedByPolicy, BrowserFailed, ClickDeadlinePassed, type ClickGate, type ListingValues, SubmissionFailed, type SubmissionOutcome, type SubmissionRequest, SubmitAborted } from './listing-submitter';
import { fillTemplate, listedOnSearchPage, pageProbe } from './outcome';
import { Redactor } from './redact';
import { describeTarget, locate, TargetNotFound } from './targets';
import type { Credentials } from './values';

/**
 * One attempt at a directory's form on a page its host opened: the engine's whole part of a
 * submission, the same for every host (the fleet's workers, a remote worker, an extension). The
 * host owns the browser: it opens the context (behind whatever guards it keeps), bounds the
 * attempt's time, and tells the engine what it saw happen around the page.
 */
export interface AttemptHost {
  /** The directory's sign-in values, opened right before the sign-in (only for a definition with `login`). */
  credentials(): Promise<Credentials | undefined>;
  /** The page reached where it must not, and the host stopped it: where, and why. */
  blocked(): { endpoint: string; reason: string } | undefined;
  /** The host's bound on the whole attempt ran out and it stopped the page: why, in the row's words. */
  timedOut(): string | undefined;
  /** Whether the browser still answers: a dead one is the host's failure, not the directory's. */
  browserAnswers(): Promise<boolean>;
  /** How the host wraps the attempt and each of its phases (the fleet's workers: trace spans); plainly by default. */
  around?: Around;
}

/**
 * Fills and submits the form on `page` through `gate`, with whatever it records redacted: a
 * directory's sign-in values never reach the row's log, its message or an error. Resolves to
 * what the page said; throws SubmissionFailed (the page broke, `targetMissing` when the form did
 * not match), BlockedByPolicy, BrowserFailed, SubmitAborted or ClickDeadlinePassed.
 */
export async function runAttempt(page: Page, req: SubmissionRequest, gate: ClickGate, host: AttemptHost, stepMs: number, log: ResponseLogEntry[] = []): Promise<SubmissionOutcome> {
  const redact = new Redactor();
  try {
    const outcome = await (host.around ?? plainly)('browser attempt', { 'boltline.directory.id': req.directory.id, 'boltline.attempt': req.attempt }, () =>
      attemptOnPage(page, req, gate, host, stepMs, log, redact),
    );
    return { ...outcome, message: redact.text(outcome.message), reference: redact.text(outcome.reference) };
  } catch (err) {
    throw redact.error(err);
  }
}

async function attemptOnPage(page: Page, req: SubmissionRequest, gate: ClickGate, host: AttemptHost, stepMs: number, log: ResponseLogEntry[], redact: Redactor): Promise<SubmissionOutcome> {
  const note = (event: string, detail?: string) => log.push({ at: new Date().toISOString(), attempt: req.attempt, event: redact.text(event), detail: redact.text(detail) });
  let crashed = false;
  page.once('crash', () => (crashed = true));
  let result: RunResult | undefined;
  let failure: unknown;
  // Credential fields are blacked out of the photo, wherever the attempt stops.
  const mask = credentialTargets(req.directory.adapter).map((t) => locate(page, t));
  try {
    const { adapter, submitUrl } = req.directory;
    // Opened right before the sign-in, only for it; none stored fails the row before the site is touched.
    const credentials = adapter.login ? await host.credentials() : undefined;
    if (credentials) redact.add(Object.values(credentials));
    result = adapter.code
      ? await runCodeAdapter(page, adapter, submitUrl, req.values, note, gate, stepMs)
      : await runAdapter(page, adapter, submitUrl, req.values, note, gate, stepMs, { credentials, around: host.around });
  } catch (err) {
    failure = err;
  }
  // Checked first: whatever else went wrong followed from the refusal.
  const blocked = host.blocked();
  if (blocked) throw new BlockedByPolicy(blocked.endpoint, blocked.reason, log);
  if (result) return { ...result, log, screenshotPath: await screenshot(page, req.screenshotPath, mask) };
  if (failure instanceof SubmitAborted || failure instanceof ClickDeadlinePassed) throw failure;
  // A browser that died takes its pages with it: that is the host's fault, not the page's.
  if (!(await host.browserAnswers())) {
    note('error', firstLine(failure));
    throw new BrowserFailed(`Chromium went away or stopped answering during the attempt: ${firstLine(failure)}`, log);
  }
  const timedOut = host.timedOut();
  const screenshotPath = !crashed && !timedOut ? await screenshot(page, req.screenshotPath, mask) : undefined;
  // Name the cause rather than the browser call that happened to notice it.
  const message = crashed ? "the directory's page crashed the browser's renderer" : timedOut;
  if (message) note('error', firstLine(failure));
  if (failure instanceof SubmissionFailed && !message) throw failure;
  throw new SubmissionFailed(message ?? firstLine(failure), log, screenshotPath, message ? undefined : missingTarget(failure));
}

/**
 * Asks the directory whether the business is listed, as its definition's `verify` says: a JSON
 * answer `{listed}` at `verify.url`, or the site's own search page read like a person would.
 * Undefined when the definition cannot tell or the directory did not answer.
 */
export async function askListed(context: BrowserContext, directory: SubmissionRequest['directory'], values: ListingValues, stepMs: number): Promise<boolean | undefined> {
  const verify = directory.adapter.verify;
  if (!verify) return undefined;
  const template = verify.url ?? verify.search!.url;
  const url = new URL(verify.url ? template.replaceAll('{website}', encodeURIComponent(values.website ?? '')) : fillTemplate(template, values), directory.submitUrl);
  if (webScheme(url.href)) return undefined;
  if (!verify.url) {
    const page = await context.newPage();
    const res = await page.goto(url.toString(), { waitUntil: 'load', timeout: stepMs });
    if (!res?.ok()) return undefined;
    return await listedOnSearchPage(verify.search!.found, pageProbe(page));
  }
  const res = await context.request.get(url.toString(), { timeout: stepMs });
  if (!res.ok()) return undefined;
  const body = (await res.json()) as { listed?: unknown };
  return typeof body.listed === 'boolean' ? body.listed : undefined;
}

/** The scheme of a URL that is not an http(s) page (`file:`, `data:`, ...), or undefined when it is one. */
export function webScheme(url: string): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return 'an invalid URL';
  }
  return protocol === 'http:' || protocol === 'https:' ? undefined : protocol;
}

/** Which of the adapter's targets the page did not offer, or undefined for any other failure. */
function missingTarget(err: unknown): string | undefined {
  return err instanceof TargetNotFound ? describeTarget(err.target) : undefined;
}

/** An error's first line, bounded: what a row's log and a worker's message say of it. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 500);
}

/** The controls a sign-in value is typed into. */
function credentialTargets(adapter: AdapterDefinition): Target[] {
  return (adapter.login?.steps ?? []).flatMap((s) => s.fields.filter((f) => f.credential !== undefined).map((f) => f.target));
}

async function screenshot(page: Page, path: string, mask: Locator[]): Promise<string | undefined> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await page.screenshot({ path, timeout: 5000, mask });
    return path;
  } catch {
    return undefined;
  }
}
