import { errors, type Page } from 'playwright-core';
import type { FieldMapping, Target } from '../directories/definition/adapter.schema';
import { describeTarget, locate, onTarget, textMatches } from './targets';
import { isTicked, trimNote, truncate, valueName } from './values';

type Note = (event: string, detail?: string) => void;

/** How long a step waits for something to dismiss (a cookie banner, a pop-up) before deciding it is not there. */
export const DISMISS_WAIT_MS = 3000;

/** Puts one prepared value into the control its field names, the way its kind says. */
export function applyField(page: Page, f: FieldMapping, value: string, note: Note): Promise<void> {
  return onTarget(f.target, () => put(page, f, value, note));
}

async function put(page: Page, f: FieldMapping, value: string, note: Note): Promise<void> {
  const el = locate(page, f.target);
  switch (f.kind) {
    case 'fill': {
      // The page's own limit wins: typing past a maxlength would be cut silently by the browser.
      const max = Number(await el.getAttribute('maxlength'));
      if (Number.isInteger(max) && max > 0 && value.length > max) {
        const trimmed = truncate(value, max);
        note('trimmed', trimNote(valueName(f), value, trimmed));
        value = trimmed;
      }
      await el.fill(value);
      return;
    }
    case 'date':
      await el.fill(value.trim());
      return;
    case 'select':
      await el.selectOption(value);
      return;
    case 'select-text': {
      const options = await el.evaluate((s) => (s instanceof HTMLSelectElement ? Array.from(s.options, (o) => o.text) : []));
      const index = options.findIndex((text) => textMatches(value, text));
      if (index < 0) throw new Error(`no option of ${describeTarget(f.target)} reads "${value}" (options: ${options.join(', ').slice(0, 300)})`);
      await el.selectOption({ index });
      return;
    }
    case 'radio': {
      const radios = await el.evaluate((group) =>
        Array.from(group.querySelectorAll('input[type=radio]'), (r) => {
          const input = r as HTMLInputElement;
          const label = Array.from(input.labels ?? [], (l) => l.innerText).join(' ') || input.getAttribute('aria-label') || '';
          return { value: input.value, label };
        }),
      );
      const index = radios.findIndex((r) => textMatches(value, r.label) || r.value.trim().toLowerCase() === value.trim().toLowerCase());
      if (index < 0) throw new Error(`no radio in ${describeTarget(f.target)} is labelled or valued "${value}" (${radios.map((r) => r.label || r.value).join(', ').slice(0, 300)})`);
      await el.locator('input[type=radio]').nth(index).check();
      return;
    }
    case 'check':
      await el.setChecked(isTicked(value));
      return;
    case 'upload':
      // The value is the path of the customer's file (its logo) under ARTIFACT_DIR, on this machine's disk.
      await el.setInputFiles(value);
      return;
  }
}

/** Clicks each target that shows up within {@link DISMISS_WAIT_MS}; one that never does is fine. */
export async function dismissIfPresent(page: Page, targets: readonly Target[], note: Note, waitMs = DISMISS_WAIT_MS): Promise<void> {
  await Promise.all(
    targets.map(async (t) => {
      const el = locate(page, t);
      try {
        await el.waitFor({ state: 'visible', timeout: waitMs });
      } catch (err) {
        if (!(err instanceof errors.TimeoutError)) throw err;
        note('nothing to dismiss', describeTarget(t));
        return;
      }
      await onTarget(t, () => el.click());
      note('dismissed', describeTarget(t));
    }),
  );
}

/** Clicks each target in order (a tab, a link that opens the form). */
export async function clickAll(page: Page, targets: readonly Target[], note: Note): Promise<void> {
  for (const t of targets) {
    await onTarget(t, () => locate(page, t).click());
    note('clicked', describeTarget(t));
  }
}
