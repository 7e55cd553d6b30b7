/*
 * Finding a definition's targets in the page's DOM, the way the fleet's engine finds them with
 * Playwright (src/engine/targets.ts): css, label, placeholder, role with its accessible name,
 * testId. Content scripts are classic scripts sharing the extension's isolated world, so the
 * three files under content/ meet on `globalThis.boltline`. Injected again into the same page,
 * a file only redefines its functions.
 */
globalThis.boltline ??= {};

(() => {
  const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** What pages add after a label: a colon, a required marker (`*`, `(required)`), or both. */
  const TRAILER = /\s*:?\s*(?:\*|\(\s*required\s*\))?\s*:?\s*$/i;

  /** The engine's labelPattern: case, whitespace, a trailing colon and a required marker are ignored, nothing else. */
  function textMatches(wanted, actual, exact = false) {
    if (exact) return actual.trim() === wanted.trim();
    const words = wanted.replace(TRAILER, '').trim().split(/\s+/).map(escapeRegExp);
    return new RegExp(`^\\s*${words.join('\\s+')}${TRAILER.source}`, 'i').test(actual);
  }

  const textOf = (el) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

  /** Shown to a person: has a box, and is not hidden by CSS. */
  function visible(el) {
    return Boolean(el) && el.getClientRects().length > 0 && (el.checkVisibility?.({ visibilityProperty: true }) ?? true);
  }

  /** Elements with an implicit ARIA role, by role; an explicit role="..." counts for every role. */
  const IMPLICIT = {
    button: 'button, input[type=button], input[type=submit], input[type=reset], input[type=image]',
    checkbox: 'input[type=checkbox]',
    radio: 'input[type=radio]',
    textbox: 'input:not([type]), input[type=text], input[type=email], input[type=tel], input[type=url], textarea',
    searchbox: 'input[type=search]',
    spinbutton: 'input[type=number]',
    combobox: 'select:not([multiple]):not([size]), input[list]',
    listbox: 'select[multiple], select[size]',
    option: 'option',
    group: 'fieldset, details, optgroup',
    form: 'form',
    link: 'a[href], area[href]',
    dialog: 'dialog',
    region: 'section[aria-label], section[aria-labelledby]',
  };

  /** A simplified accessible name: aria-labelledby, aria-label, <label>s, a fieldset's legend, then the text (or a button's value). */
  function accessibleName(el) {
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map((id) => textOf(document.getElementById(id))).join(' ');
    const aria = el.getAttribute('aria-label');
    if (aria) return aria;
    if (el.labels?.length) return Array.from(el.labels, textOf).join(' ');
    if (el.tagName === 'FIELDSET') return textOf(el.querySelector(':scope > legend'));
    if (el.tagName === 'INPUT' && ['button', 'submit', 'reset'].includes(el.type)) return el.value || (el.type === 'submit' ? 'Submit' : '');
    if (el.tagName === 'INPUT' && el.type === 'image') return el.alt || el.value || '';
    return el.title && !textOf(el) ? el.title : textOf(el);
  }

  /** Every control whose label (a <label>, aria-label or aria-labelledby) reads `wanted`, in document order. */
  function byLabel(wanted, exact) {
    const controls = document.querySelectorAll('input:not([type=hidden]), select, textarea, button, meter, output, progress, [aria-label], [aria-labelledby]');
    return Array.from(controls).filter((el) => {
      const names = [el.getAttribute('aria-label') ?? '', ...Array.from(el.labels ?? [], textOf)];
      const by = el.getAttribute('aria-labelledby');
      if (by) names.push(by.split(/\s+/).map((id) => textOf(document.getElementById(id))).join(' '));
      return names.some((n) => n && textMatches(wanted, n, exact));
    });
  }

  /** The elements a target names, first one first (the engine takes `.first()`). */
  function candidates(t) {
    if ('css' in t) return Array.from(document.querySelectorAll(t.css));
    if ('testId' in t) return Array.from(document.querySelectorAll(`[data-testid="${CSS.escape(t.testId)}"]`));
    if ('placeholder' in t) return Array.from(document.querySelectorAll('[placeholder]')).filter((el) => textMatches(t.placeholder, el.getAttribute('placeholder'), t.exact));
    if ('label' in t) return byLabel(t.label, t.exact);
    // role: like Playwright's getByRole, hidden elements do not count.
    const selector = [IMPLICIT[t.role], `[role="${t.role}"]`].filter(Boolean).join(', ');
    return Array.from(document.querySelectorAll(selector)).filter((el) => {
      const explicit = el.getAttribute('role');
      if (explicit && explicit !== t.role) return false;
      return visible(el) && (t.name === undefined || textMatches(t.name, accessibleName(el), t.exact));
    });
  }

  /** The engine's describeTarget: how a target reads in a log and in a `target_missing` report. */
  function describeTarget(t) {
    if ('css' in t) return `css ${t.css}`;
    if ('label' in t) return `label "${t.label}"`;
    if ('placeholder' in t) return `placeholder "${t.placeholder}"`;
    if ('role' in t) return `${t.role}${t.name === undefined ? '' : ` "${t.name}"`}`;
    return `test id "${t.testId}"`;
  }

  /** An element of the definition the page did not offer in time: reported as `target_missing`. */
  class TargetMissing extends Error {
    constructor(target, why) {
      super(`target not found or not usable: ${describeTarget(target)} (${why})`);
      this.target = describeTarget(target);
    }
  }

  /** Waits (polling, as a page may still be drawing itself) until the target's first element is visible. */
  async function find(target, timeoutMs) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const el = candidates(target)[0];
      if (el && visible(el)) return el;
      if (Date.now() >= until) throw new TargetMissing(target, el ? 'not visible' : `nothing matched within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  Object.assign(globalThis.boltline, { textMatches, textOf, visible, find, describeTarget, TargetMissing });
})();
