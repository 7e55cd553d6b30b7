/**
 * The directory's tab: opening it, knowing when it has loaded, and running code in it. Code runs
 * in the extension's isolated world, never the page's own, so the page cannot see or change it.
 */

/** The content scripts that fill a form and hold the person's press, in the order they build on each other. */
const CONTENT_FILES = ['content/targets.js', 'content/fill.js', 'content/assist.js'];

/** Resolves once the tab has finished loading (Chrome's status `complete`); rejects past `timeoutMs`. */
export function tabLoaded(tabId, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (settle) => {
      clearTimeout(timer);
      chrome.tabs.onUpdated.removeListener(onUpdated);
      settle();
    };
    const onUpdated = (id, info) => id === tabId && info.status === 'complete' && done(resolve);
    const timer = setTimeout(() => done(() => reject(new Error(`the page did not finish loading within ${Math.round(timeoutMs / 1000)} s`))), timeoutMs);
    chrome.tabs.onUpdated.addListener(onUpdated);
    // It may have loaded before the listener was added.
    chrome.tabs.get(tabId).then((t) => t.status === 'complete' && !t.pendingUrl && done(resolve), (err) => done(() => reject(err)));
  });
}

/** Runs a self-contained function (background/page-probe.js) in the tab's top frame; answers its result. */
export async function inTab(tabId, func, ...args) {
  const [first] = await chrome.scripting.executeScript({ target: { tabId }, func, args });
  return first?.result;
}

export function injectContent(tabId) {
  return chrome.scripting.executeScript({ target: { tabId }, files: CONTENT_FILES });
}

/** Closes the tab if it is still open (the person may have closed it). */
export function closeTab(tabId) {
  return tabId === undefined ? Promise.resolve() : chrome.tabs.remove(tabId).catch(() => undefined);
}
