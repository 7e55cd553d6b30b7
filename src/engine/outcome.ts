import type { Page, Response } from 'playwright-core';
import type { CaptureRule, OutcomeRule, SearchRule, WaitForRule } from '../directories/definition/adapter.schema';
import type { ListingValues } from './listing-submitter';

/** The most page text the definition's patterns are matched against (a page's visible text is far shorter). */
export const MAX_MATCHED_TEXT = 20_000;

/**
 * How the runner reads a page's answer from the definition's rules (success, failure, waitFor,
 * capture, verify.search). The decisions are pure functions over a {@link PageProbe}, so they are
 * unit-tested without a browser; {@link pageProbe} is the Playwright side.
 */

/** What a rule can ask of the page as it is now. */
export interface PageProbe {
  url(): string;
  /** The HTTP status of the last main-frame navigation since the probe was made; undefined if none. */
  status(): number | undefined;
  /** The page's visible text. */
  text(): Promise<string>;
  /** The text of the first visible element among `selectors`, or undefined when none is visible. */
  visible(selectors: string[]): Promise<{ selector: string; text: string } | undefined>;
}

/** "/.../" is a case-insensitive regular expression; anything else is text to contain, case-insensitively. */
export function matchesPattern(pattern: string, haystack: string): boolean {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1), 'i').test(haystack);
  return haystack.toLowerCase().includes(pattern.toLowerCase());
}

/** The first line of `text` the pattern matches (the readable part of a long page), else the pattern's match in the whole text. */
function matchingLine(pattern: string, text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l && matchesPattern(pattern, l)) ?? text.trim();
}

export interface RuleMatch {
  /** What the page said, for the log and the result's message. */
  message: string;
}

/** Whether every key the rule gives holds on the page now (selectors: any one of them). */
export async function ruleHolds(rule: OutcomeRule | WaitForRule, probe: PageProbe): Promise<RuleMatch | undefined> {
  const url = probe.url();
  if (rule.url && !matchesPattern(rule.url, url)) return undefined;
  const status = 'status' in rule ? rule.status : undefined;
  if (status !== undefined) {
    const got = probe.status();
    if (got === undefined || !(Array.isArray(status) ? status : [status]).includes(got)) return undefined;
  }
  const selectors = 'selectors' in rule ? rule.selectors : 'selector' in rule && rule.selector ? [rule.selector] : undefined;
  let element: { selector: string; text: string } | undefined;
  if (selectors) {
    element = await probe.visible(selectors);
    if (!element) return undefined;
  }
  let line: string | undefined;
  if (rule.text) {
    const body = await probe.text();
    if (!matchesPattern(rule.text, body)) return undefined;
    line = matchingLine(rule.text, body);
  }
  const message = element?.text || line || `${url}${probe.status() ? ` (HTTP ${probe.status()})` : ''}`;
  return { message: message.trim().slice(0, 2000) };
}

/**
 * The reference number a success page gave: from the capture's element, the page's URL or its
 * text; the pattern's first group when it has one, its whole match otherwise; no pattern, the
 * whole text. Undefined when there is nothing to capture.
 */
export async function captureReference(capture: CaptureRule, probe: PageProbe): Promise<string | undefined> {
  const source = capture.selector ? (await probe.visible([capture.selector]))?.text : capture.from === 'url' ? probe.url() : await probe.text();
  if (!source) return undefined;
  if (!capture.pattern) return source.trim().slice(0, 200) || undefined;
  const m = new RegExp(capture.pattern, 'i').exec(source);
  const found = m ? (m[1] ?? m[0]) : undefined;
  return found?.trim().slice(0, 200) || undefined;
}

/** A URL template with `{field}` placeholders filled by the URL-encoded customer values. */
export function fillTemplate(template: string, values: ListingValues): string {
  return template.replace(/\{(\w+)\}/g, (_, field: string) => encodeURIComponent(values[field] ?? ''));
}

/** What a loaded search page says: listed when it shows what `found` describes, not listed otherwise. */
export async function listedOnSearchPage(found: SearchRule['found'], probe: PageProbe): Promise<boolean> {
  return (await ruleHolds({ selector: found.selector, text: found.text }, probe)) !== undefined;
}

export interface Outcome {
  ok: boolean;
  message: string;
}

/**
 * Waits until the page shows the success or the failure rule (success is asked first), polling
 * because a rule may combine the URL, the status, an element and the text. Resolves undefined when
 * neither showed within `timeoutMs` or `stop()` says to give up (a server error).
 */
export async function waitForOutcome(
  success: OutcomeRule,
  failure: OutcomeRule,
  probe: PageProbe,
  timeoutMs: number,
  stop: () => boolean = () => false,
): Promise<Outcome | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await ruleHolds(success, probe);
    if (ok) return { ok: true, message: ok.message };
    const refused = await ruleHolds(failure, probe);
    if (refused) return { ok: false, message: refused.message };
    if (stop() || Date.now() >= until) return undefined;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Waits until the rule holds; false when it did not within `timeoutMs`. */
export async function waitForRule(rule: WaitForRule | OutcomeRule, probe: PageProbe, timeoutMs: number, stop: () => boolean = () => false): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await ruleHolds(rule, probe)) return true;
    if (stop() || Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const POLL_MS = 150;

/**
 * The Playwright side of a {@link PageProbe}. Navigation statuses are counted from when the probe
 * is made: make it right before the click whose answer it is to read.
 */
export function pageProbe(page: Page): PageProbe {
  let status: number | undefined;
  page.on('response', (r: Response) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) status = r.status();
  });
  // Pages navigate under a probe: a call that lands mid-navigation is "not yet", asked again next poll.
  const soft = async <T>(f: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      if (page.isClosed()) throw err;
      return fallback;
    }
  };
  return {
    url: () => page.url(),
    status: () => status,
    // Bounded: the definition's patterns run on it, over and over while waiting, on the worker's
    // only thread; a page of megabytes must not make that cost what the page chooses.
    text: () => soft(async () => (await page.locator('body').innerText({ timeout: 1000 })).slice(0, MAX_MATCHED_TEXT), ''),
    visible: (selectors) =>
      soft(async () => {
        for (const s of selectors) {
          const el = page.locator(s).first();
          if (await el.isVisible()) return { selector: s, text: (await el.innerText({ timeout: 1000 })).slice(0, MAX_MATCHED_TEXT).trim() };
        }
        return undefined;
      }, undefined),
  };
}
