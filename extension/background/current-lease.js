import { LeaseRun, OPEN_KEY, Stop } from './lease-run.js';
import { closeTab } from './tabs.js';

/**
 * The lease this browser works on now, and what reaches it from outside the run: the content
 * script's messages, the person closing its tab, and a restarted service worker finding a lease
 * its previous self left open.
 */

/** The one lease this browser works on: a person finishes one form at a time. */
let current;

/** Works on one lease until it is reported or dropped (background/lease-run.js). */
export async function runLease(api, lease) {
  const run = new LeaseRun(api, lease);
  current = run;
  try {
    await run.run();
  } finally {
    current = undefined;
  }
}

/** The content script's `boltline:submitting`: the person pressed send. */
export function personSends(leaseId) {
  return current?.lease.id === leaseId ? current.submitting() : Promise.resolve({ go: false, message: 'this browser no longer holds that submission' });
}

/** The content script's `boltline:late`: the yes came, the click deadline passed first. */
export function clickTooLate(leaseId) {
  if (current?.lease.id === leaseId) current.stop(new Stop('click deadline passed', { fail: { kind: 'deadline', message: 'the click deadline passed before the form was sent; nothing was sent' } }));
}

export function tabClosed(tabId) {
  if (current?.tabId !== tabId) return;
  current.tabId = undefined;
  current.stop(
    current.asked
      ? new Stop('tab closed', { fail: { kind: 'page', message: 'the tab was closed before the answer to the form was read' } })
      : new Stop('tab closed', { fail: { kind: 'browser', message: 'the person closed the tab before sending the form; given back' } }),
  );
}

/**
 * The service worker stopped while a lease was open (Chrome stops idle workers; an update
 * restarts them): its waits are lost, so the lease is reported as broken, never left to lapse
 * in silence. Sent the form already: a failure Boltline verifies; not yet: given back.
 */
export async function recoverInterrupted(api) {
  const { [OPEN_KEY]: open } = await chrome.storage.session.get(OPEN_KEY);
  if (!open) return;
  await chrome.storage.session.remove(OPEN_KEY);
  await closeTab(open.tabId);
  const fail = open.asked
    ? { kind: 'page', message: 'the extension restarted after the form was sent; its answer was not read' }
    : { kind: 'browser', message: 'the extension restarted before the form was sent; given back' };
  await api?.fail(open.lease, fail).catch(() => undefined);
}
