import type { Page } from 'playwright-core';
import type { CustomerField } from '../customers/customer-fields';
import type { AdapterInput } from '../directories/definition/adapter.schema';
import { DIRECTORY_ID } from '../common/ids';
import { checkboxVerdict, classifyControl, looksLikeNextStep, looksLikeSubmit, type ControlFacts } from './suggest';

/** One element as read from the page: the facts, plus the ways it can be found again. */
interface PageElement extends ControlFacts {
  visible: boolean;
  /** A CSS selector that matches it alone, when one was found. */
  css?: string;
  /** Button text or value. */
  text: string;
}

type Target = { css: string } | { label: string };

/** A guess with what it was based on; the YAML writer turns `basis` into a comment. */
export interface Noted<T> {
  value: T;
  basis: string;
}

export interface Suggestion {
  id: string;
  name: string;
  submitUrl: string;
  fields: Noted<{ field: CustomerField; target: Target; kind: 'fill' | 'select' }>[];
  check: Noted<Target>[];
  advance?: Noted<Target>;
  success: Noted<string[]>;
  failure: Noted<string[]>;
  /** What the person must look at: controls left out, hidden ones, checkboxes left alone. */
  notes: string[];
}

/**
 * Guessed outcome selectors: what many sites use. The form page cannot show its own answer, so
 * these are the weakest guesses; `try --submit` with a test listing shows whether one fits.
 */
const SUCCESS_GUESS = ['.alert-success', '.success', '.notice-success', '.message-success', '.confirmation', '#success', '.thank-you'];
const FAILURE_GUESS = ['.alert-error', '.alert-danger', '.error', '.errors', '.error-box', '.notice-error', '.message-error'];

/** How long a page that draws its form by script gets to draw it. */
const FORM_WAIT_MS = 10_000;

/** Loads the form page and reads a draft definition off it. */
export async function suggestFromPage(page: Page, url: string, id?: string): Promise<Suggestion> {
  const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
  if (res && res.status() >= 400) throw new Error(`${url} answered HTTP ${res.status()}`);
  // A form drawn by script after load: wait for a visible control, then for the page to settle.
  await page
    .locator('input:not([type=hidden]), select, textarea')
    .first()
    .waitFor({ state: 'visible', timeout: FORM_WAIT_MS })
    .catch(() => undefined);
  await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
  const read = await page.evaluate(readPage);

  const suggestion: Suggestion = {
    id: id ?? idFromUrl(url),
    name: read.title || new URL(url).hostname,
    submitUrl: url,
    fields: [],
    check: [],
    success: { value: SUCCESS_GUESS, basis: 'a guess: classes many sites use for a confirmation; confirm with `try --submit` on a test listing' },
    failure: { value: FAILURE_GUESS, basis: 'a guess: classes many sites use for errors; confirm on the page' },
    notes: [],
  };
  const taken = new Set<CustomerField>();
  const hidden: string[] = [];
  for (const c of read.controls) {
    const clue = c.labels[0] ?? c.name ?? c.id ?? c.placeholder ?? c.tag;
    if (c.type === 'checkbox') {
      if (!c.visible) {
        hidden.push(clue);
        continue;
      }
      const verdict = checkboxVerdict(c.labels.join(' '));
      const target = await targetOf(page, c);
      if (verdict === 'tick' && target) suggestion.check.push({ value: target.value, basis: `checkbox label ${JSON.stringify(clue)}; found by ${target.basis}` });
      else suggestion.notes.push(`checkbox ${JSON.stringify(clue)} is left unticked (${verdict === 'leave' ? 'an offer or newsletter' : 'not clearly required'}); add it to check if the form needs it`);
      continue;
    }
    const guess = classifyControl(c);
    if (!c.visible) {
      if (guess || c.tag !== 'input' || !['hidden', 'submit', 'button'].includes(c.type)) hidden.push(clue);
      continue;
    }
    if (!guess) {
      if (!['hidden', 'submit', 'button', 'reset', 'image'].includes(c.type)) suggestion.notes.push(`control ${JSON.stringify(clue)} matched no customer field: fill it by hand if the form requires it`);
      continue;
    }
    if (taken.has(guess.field)) {
      suggestion.notes.push(`control ${JSON.stringify(clue)} also looks like ${guess.field} (${guess.basis}); only the first is used`);
      continue;
    }
    const target = await targetOf(page, c);
    if (!target) {
      suggestion.notes.push(`control ${JSON.stringify(clue)} looks like ${guess.field} but has no label, id or name that finds it alone: write its target by hand`);
      continue;
    }
    taken.add(guess.field);
    suggestion.fields.push({
      value: { field: guess.field, target: target.value, kind: c.tag === 'select' ? 'select' : 'fill' },
      basis: `${guess.basis}; found by ${target.basis}`,
    });
  }
  if (hidden.length) {
    suggestion.notes.push(`${hidden.length} control(s) are on the page but hidden (a later step of a wizard?): ${hidden.slice(0, 10).map((h) => JSON.stringify(h)).join(', ')}; add a step for them`);
  }
  const buttons = read.buttons.filter((b) => b.visible && b.css);
  const button = buttons.find((b) => b.type === 'submit' && looksLikeSubmit(b.text)) ?? buttons.find((b) => b.type === 'submit') ?? buttons.find((b) => looksLikeSubmit(b.text));
  if (button?.css) {
    suggestion.advance = { value: { css: button.css }, basis: `${button.type === 'submit' ? 'submit button' : 'button'} ${JSON.stringify(button.text)}` };
    if (looksLikeNextStep(button.text)) {
      suggestion.notes.push(`the button says ${JSON.stringify(button.text)}: the form likely has more steps after it, which this draft lacks (try stops before this click)`);
    }
  } else {
    suggestion.notes.push('no visible submit button was found: write advance by hand');
  }
  const missing = ['businessName', 'email', 'website'].filter((f) => !taken.has(f as CustomerField));
  if (missing.length) suggestion.notes.push(`no control was found for ${missing.join(', ')}`);
  return suggestion;
}

/** The suggestion as a directory document (what `try FILE` and `import` read), without the notes. */
export function draftDirectory(s: Suggestion): { id: string; name: string; submitUrl: string; enabled: boolean; adapter: AdapterInput } {
  return {
    id: s.id,
    name: s.name,
    submitUrl: s.submitUrl,
    // A draft is not live until a person has confirmed it.
    enabled: false,
    adapter: {
      version: 1,
      description: `Draft by \`directories suggest\` from ${s.submitUrl}: confirm every guess (see the comments), then try it.`,
      steps: [
        {
          fields: s.fields.map((f) => f.value),
          ...(s.check.length ? { check: s.check.map((c) => c.value) } : {}),
          advance: s.advance?.value ?? { css: 'button[type="submit"]' },
        },
      ],
      success: { selectors: s.success.value },
      failure: { selectors: s.failure.value },
    },
  };
}

/** A label that names this control alone, else its CSS selector. Labels read better and outlive markup changes. */
async function targetOf(page: Page, c: PageElement): Promise<Noted<Target> | undefined> {
  for (const label of c.labels) {
    if ((await page.getByLabel(label, { exact: true }).count()) === 1) return { value: { label }, basis: `its label` };
  }
  return c.css ? { value: { css: c.css }, basis: `CSS ${c.css}` } : undefined;
}

/** `https://www.acme-listings.example/add` -> `acme-listings-example-add`, within DIRECTORY_ID's rules. */
export function idFromUrl(url: string): string {
  const u = new URL(url);
  const last = u.pathname.split('/').filter(Boolean).at(-1) ?? '';
  const id = `${u.hostname.replace(/^www\./, '')}-${last}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return DIRECTORY_ID.test(id) ? id : 'new-directory';
}

/** Runs in the page: every form control and button, with its facts and a selector that finds it alone. */
function readPage(): { title: string; controls: PageElement[]; buttons: PageElement[] } {
  const clean = (t: string | null | undefined) => (t ?? '').replace(/\s+/g, ' ').trim();
  const unique = (sel: string, el: Element) => {
    try {
      const all = document.querySelectorAll(sel);
      return all.length === 1 && all[0] === el;
    } catch {
      return false;
    }
  };
  const selectorOf = (el: Element): string | undefined => {
    const tag = el.tagName.toLowerCase();
    const attr = (a: string) => el.getAttribute(a);
    const candidates: string[] = [];
    if (el.id) candidates.push(`#${CSS.escape(el.id)}`);
    if (attr('name')) candidates.push(`${tag}[name="${CSS.escape(attr('name') as string)}"]`);
    if (attr('type')) candidates.push(`${tag}[type="${CSS.escape(attr('type') as string)}"]`);
    const form = el.closest('form');
    if (form?.id) candidates.push(...candidates.slice(1).map((c) => `form#${CSS.escape(form.id)} ${c}`));
    return candidates.find((c) => unique(c, el));
  };
  const visible = (el: Element) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const labelsOf = (el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) => {
    const texts = Array.from(el.labels ?? []).map((l) => clean(l.textContent));
    const aria = clean(el.getAttribute('aria-label'));
    if (aria) texts.push(aria);
    for (const ref of (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean)) texts.push(clean(document.getElementById(ref)?.textContent));
    return texts.filter(Boolean);
  };
  const controls = Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')).map((el) => ({
    tag: el.tagName.toLowerCase() as ControlFacts['tag'],
    type: el instanceof HTMLInputElement ? el.type : el.tagName.toLowerCase(),
    autocomplete: el.getAttribute('autocomplete') ?? undefined,
    labels: labelsOf(el),
    name: el.getAttribute('name') ?? undefined,
    id: el.id || undefined,
    placeholder: el.getAttribute('placeholder') ?? undefined,
    visible: visible(el),
    css: selectorOf(el),
    text: '',
  }));
  const buttons = Array.from(document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input[type=submit], input[type=image]')).map((el) => ({
    tag: 'input' as const,
    type: el.type,
    labels: [],
    visible: visible(el),
    css: selectorOf(el),
    text: clean(el instanceof HTMLInputElement ? el.value : el.textContent) || clean(el.getAttribute('aria-label')),
  }));
  return { title: clean(document.querySelector('h1')?.textContent) || clean(document.title), controls, buttons };
}
