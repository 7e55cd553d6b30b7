import { PAGE_LOAD_MS } from './constants.js';
import { listedOnPage, pageStatus } from './page-probe.js';
import { closeTab, inTab, tabLoaded } from './tabs.js';

/**
 * A verify lease: an earlier attempt sent the form and its answer was never read. Never submit;
 * ask the directory whether the business is listed, by the definition's `verify`, as the engine's
 * askListed does (src/engine/attempt.ts). Answers true, false, or null when it cannot tell.
 */
export async function askListed(lease) {
  const { adapter, submitUrl } = lease.directory;
  const verify = adapter.verify;
  if (!verify) return null;
  const values = lease.values;
  const url = verify.url
    ? new URL(verify.url.replaceAll('{website}', encodeURIComponent(values.website ?? '')), submitUrl)
    : new URL(verify.search.url.replace(/\{(\w+)\}/g, (_, field) => encodeURIComponent(values[field] ?? '')), submitUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (verify.url) {
    const res = await fetch(url, { credentials: 'omit' }).catch(() => undefined);
    if (!res?.ok) return null;
    const body = await res.json().catch(() => ({}));
    return typeof body.listed === 'boolean' ? body.listed : null;
  }
  // A search page is read in a tab of its own, in the background: the person is not needed.
  const tab = await chrome.tabs.create({ url: url.href, active: false });
  try {
    await tabLoaded(tab.id, PAGE_LOAD_MS);
    const status = await inTab(tab.id, pageStatus);
    if (status !== undefined && status >= 400) return null;
    return Boolean(await inTab(tab.id, listedOnPage, verify.search.found));
  } catch {
    return null;
  } finally {
    await closeTab(tab.id);
  }
}
