import { errors, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { Target } from '../directories/definition/adapter.schema';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** What pages add after a label: a colon, a required marker (`*`, `(required)`), or both. */
const TRAILER = /\s*:?\s*(?:\*|\(\s*required\s*\))?\s*:?\s*$/i;

/**
 * The text people mean by a label, as a pattern: case, surrounding and doubled whitespace, a
 * trailing colon and a required marker are ignored ("Company name" matches "company  name *" and
 * "Company name (required):"), but nothing else may be added ("Name" does not match "Company name").
 */
export function labelPattern(text: string): RegExp {
  const words = text.replace(TRAILER, '').trim().split(/\s+/).map(escapeRegExp);
  return new RegExp(`^\\s*${words.join('\\s+')}${TRAILER.source}`, 'i');
}

/** Whether a page's text is the wanted one, by {@link labelPattern} or, with `exact`, character for character (trimmed). */
export function textMatches(wanted: string, actual: string, exact = false): boolean {
  return exact ? actual.trim() === wanted.trim() : labelPattern(wanted).test(actual);
}

/** The first element a target names, inside its iframe when it gives one. */
export function locate(page: Page, target: Target): Locator {
  const root: Page | FrameLocator = target.frame ? page.locator(target.frame).first().contentFrame() : page;
  const wanted = (text: string, exact?: boolean) => (exact ? text : labelPattern(text));
  if ('css' in target) return root.locator(target.css).first();
  if ('label' in target) return root.getByLabel(wanted(target.label, target.exact), { exact: target.exact }).first();
  if ('placeholder' in target) return root.getByPlaceholder(wanted(target.placeholder, target.exact), { exact: target.exact }).first();
  if ('role' in target) {
    const name = target.name === undefined ? undefined : wanted(target.name, target.exact);
    return root.getByRole(target.role, name === undefined ? {} : { name, exact: target.exact }).first();
  }
  return root.getByTestId(target.testId).first();
}

/** A target as a person reads it in a log: `label "Company name"`, `css #go in iframe #form`. */
export function describeTarget(target: Target): string {
  const what =
    'css' in target
      ? `css ${target.css}`
      : 'label' in target
        ? `label "${target.label}"`
        : 'placeholder' in target
          ? `placeholder "${target.placeholder}"`
          : 'role' in target
            ? `${target.role}${target.name === undefined ? '' : ` "${target.name}"`}`
            : `test id "${target.testId}"`;
  return target.frame ? `${what} in iframe ${target.frame}` : what;
}

/**
 * A target the page did not offer in time (absent, hidden, covered or disabled). Its message names
 * the target, so a person reading the row (and a rule counting "target not found") knows which
 * part of the definition no longer fits the site.
 */
export class TargetNotFound extends Error {
  constructor(readonly target: Target, cause: Error) {
    super(`target not found or not usable: ${describeTarget(target)} (${cause.message.split('\n')[0]})`, { cause });
  }
}

/** Runs a browser call on a target, turning Playwright's time-out into {@link TargetNotFound}. */
export async function onTarget<T>(target: Target, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof errors.TimeoutError) throw new TargetNotFound(target, err);
    throw err;
  }
}
