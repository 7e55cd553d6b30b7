import { WORKER_KIND } from './constants.js';

/**
 * What staff set on the options page (chrome.storage.local, this profile only) and what the
 * extension tells them back. The API key never leaves this browser except to the Boltline URL.
 */

/** @returns {Promise<{ apiUrl?: string, key?: string, paused: boolean }>} */
export async function readSettings() {
  const { apiUrl, key, paused } = await chrome.storage.local.get(['apiUrl', 'key', 'paused']);
  return { apiUrl, key, paused: Boolean(paused) };
}

/** Who this worker is on the staff dashboard: a random id made once per install, the manifest's version. */
export async function workerIdentity() {
  let { workerId } = await chrome.storage.local.get('workerId');
  if (!workerId) {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    workerId = `ext-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    await chrome.storage.local.set({ workerId });
  }
  return { id: workerId, kind: WORKER_KIND, version: chrome.runtime.getManifest().version };
}

/** One line for the options page and the toolbar's tooltip: what the extension is doing now. */
export async function setStatus(text) {
  await chrome.storage.local.set({ status: { text, at: new Date().toISOString() } });
  await chrome.action.setTitle({ title: `Boltline: ${text}` }).catch(() => undefined);
}

/** A number on the toolbar icon while a filled form waits for the person; nothing otherwise. */
export function setBadge(waiting) {
  return chrome.action.setBadgeText({ text: waiting ? '1' : '' }).catch(() => undefined);
}
