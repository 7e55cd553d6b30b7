/**
 * Functions the service worker runs inside the directory's tab (chrome.scripting.executeScript
 * with `func`). Chrome sends each one's source to the page, so each is self-contained: no
 * imports, no outer variables. They read a page as the engine's PageProbe does
 * (src/engine/outcome.ts): its URL, the HTTP status of the navigation that made it, an element
 * being visible, its visible text.
 */

/**
 * Reads the page against the definition's `success` and `failure` rules (success first) and,
 * on success, its `capture`. `status` is the HTTP status of this document's navigation, or
 * undefined while the document is still the form the extension filled (the answer is another).
 */
export function readAnswer({ success, failure, capture }) {
  const MAX_TEXT = 20_000;
  const formStill = Boolean(globalThis.boltline?.formOf);
  const nav = performance.getEntriesByType('navigation')[0];
  const status = formStill ? undefined : nav?.responseStatus || undefined;
  const url = location.href;
  const body = () => (document.body?.innerText ?? '').slice(0, MAX_TEXT);
  const matches = (pattern, haystack) =>
    pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/') ? new RegExp(pattern.slice(1, -1), 'i').test(haystack) : haystack.toLowerCase().includes(pattern.toLowerCase());
  const shown = (selectors) => {
    for (const s of selectors) {
      const el = document.querySelector(s);
      if (el && el.getClientRects().length && el.checkVisibility?.({ visibilityProperty: true }) !== false) return el.innerText.slice(0, MAX_TEXT).trim();
    }
    return undefined;
  };
  /** The engine's ruleHolds: every key given must hold; answers what the page said, or undefined. */
  const holds = (rule) => {
    if (rule.url && !matches(rule.url, url)) return undefined;
    if (rule.status !== undefined && !(Array.isArray(rule.status) ? rule.status : [rule.status]).includes(status)) return undefined;
    let element;
    if (rule.selectors) {
      element = shown(rule.selectors);
      if (element === undefined) return undefined;
    }
    let line;
    if (rule.text) {
      const text = body();
      if (!matches(rule.text, text)) return undefined;
      line = text.split('\n').map((l) => l.trim()).find((l) => l && matches(rule.text, l)) ?? text.trim();
    }
    return (element || line || `${url}${status ? ` (HTTP ${status})` : ''}`).trim().slice(0, 2000);
  };
  const reference = () => {
    const source = capture.selector ? shown([capture.selector]) : capture.from === 'url' ? url : body();
    if (!source) return undefined;
    if (!capture.pattern) return source.trim().slice(0, 200) || undefined;
    const m = new RegExp(capture.pattern, 'i').exec(source);
    return (m ? (m[1] ?? m[0]) : '').trim().slice(0, 200) || undefined;
  };
  const accepted = holds(success);
  if (accepted !== undefined) return { url, status, ok: true, message: accepted, reference: capture ? reference() : undefined };
  const refused = holds(failure);
  if (refused !== undefined) return { url, status, ok: false, message: refused };
  return { url, status };
}

/** The HTTP status of the page as it loaded (the form page, before anything is filled). */
export function pageStatus() {
  return performance.getEntriesByType('navigation')[0]?.responseStatus || undefined;
}

/** A verify search page: whether it shows what `found` describes (the engine's listedOnSearchPage). */
export function listedOnPage(found) {
  const text = (document.body?.innerText ?? '').slice(0, 20_000);
  const matches = (pattern, haystack) =>
    pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/') ? new RegExp(pattern.slice(1, -1), 'i').test(haystack) : haystack.toLowerCase().includes(pattern.toLowerCase());
  if (found.selector) {
    const el = document.querySelector(found.selector);
    if (!el || !el.getClientRects().length) return false;
  }
  return found.text ? matches(found.text, text) : true;
}
