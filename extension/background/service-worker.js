import { ApiError, leaseApi } from './api.js';
import { ERROR_POLL_MS, IDLE_POLL_MS, WAKE_ALARM, WAKE_PERIOD_MINUTES } from './constants.js';
import { clickTooLate, personSends, recoverInterrupted, runLease, tabClosed } from './current-lease.js';
import { readSettings, setStatus, workerIdentity } from './settings.js';

/**
 * The extension's service worker: asks Boltline for an assisted submission whenever it has none
 * (at least every IDLE_POLL_MS, so staff see it as present) and works on one at a time
 * (background/lease-run.js). Chrome stops an idle service worker; the alarm and any message or
 * settings change start it again, and every start resumes the loop.
 */

chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  await chrome.alarms.create(WAKE_ALARM, { periodInMinutes: WAKE_PERIOD_MINUTES });
  if (reason === 'install' && !(await readSettings()).key) await chrome.runtime.openOptionsPage();
});
chrome.alarms.onAlarm.addListener((alarm) => alarm.name === WAKE_ALARM && wake());
chrome.storage.onChanged.addListener((changes, area) => area === 'local' && (changes.apiUrl || changes.key || changes.paused) && wake());
chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());
chrome.tabs.onRemoved.addListener((tabId) => tabClosed(tabId));
chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  // Only the extension's own content scripts talk to it (a web page cannot reach onMessage).
  if (sender.id !== chrome.runtime.id) return false;
  if (msg?.type === 'boltline:submitting') {
    personSends(msg.leaseId).then(reply);
    return true; // answered asynchronously
  }
  if (msg?.type === 'boltline:late') clickTooLate(msg.leaseId);
  return false;
});

let loop;
let recovered = false;

/** Starts the poll loop unless it runs already. */
function wake() {
  loop ??= poll()
    .catch((err) => setStatus(`stopped: ${err.message}`))
    .finally(() => (loop = undefined));
}

async function poll() {
  let errorWait = ERROR_POLL_MS.first;
  for (;;) {
    const settings = await readSettings();
    if (!settings.apiUrl || !settings.key) return setStatus('not set up: paste the Boltline URL and a worker key in the settings');
    if (settings.paused) return setStatus('paused: takes no submissions');
    const api = leaseApi(settings);
    if (!recovered) {
      recovered = true;
      await recoverInterrupted(api);
    }
    let wait = IDLE_POLL_MS;
    try {
      const answer = await api.lease(await workerIdentity());
      errorWait = ERROR_POLL_MS.first;
      const lease = answer?.body.leases[0];
      if (lease) {
        await runLease(api, lease);
        wait = 0;
      } else await setStatus('waiting for work');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // A refused key (401, 403) or a wrong URL (404) will not mend itself soon: ask rarely, and say so.
      const hopeless = [401, 403, 404].includes(err.status);
      await setStatus(hopeless ? `Boltline refused: ${err.message}. Check the URL and key in the settings.` : `Boltline did not answer: ${err.message}`);
      wait = hopeless ? ERROR_POLL_MS.most : errorWait;
      errorWait = Math.min(errorWait * 2, ERROR_POLL_MS.most);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

wake();
