import { ApiError } from './api.js';
import { DISMISS_WAIT_MS, OUTCOME_POLL_MS, PAGE_LOAD_MS, PERSON_WAIT_MS, STEP_TIMEOUT_MS } from './constants.js';
import { pageStatus, readAnswer } from './page-probe.js';
import { planLease } from './plan.js';
import { answerReport, formPageError } from './reports.js';
import { screenshotOf } from './screenshot.js';
import { setBadge, setStatus } from './settings.js';
import { closeTab, injectContent, inTab, tabLoaded } from './tabs.js';
import { askListed } from './verify.js';

/** Where an open lease is noted, should the service worker stop mid-lease (current-lease.js recoverInterrupted). */
export const OPEN_KEY = 'openLease';
/** How long the answer page stays in view after the report, for the person to read. */
const CLOSE_AFTER_MS = 5_000;

/** Ends a run early: with a report to send, or none when the lease is not ours any more. */
export class Stop extends Error {
  constructor(message, report) {
    super(message);
    this.report = report;
  }
}

/**
 * One lease, from its tab opening to its report: heartbeats all along; the form filled; the
 * person's press held until `submitting` says yes; the answer read, photographed and reported.
 * A lease that is not ours any more (409, a revoked key) closes its tab and is dropped without
 * a report. background/current-lease.js hands it the content script's messages.
 */
export class LeaseRun {
  constructor(api, lease) {
    this.api = api;
    this.lease = lease;
    this.log = [];
    this.progress = 'opening the form';
    this.asked = false;
    this.stepMs = Math.min(STEP_TIMEOUT_MS, lease.directory.adapter.timeouts?.stepMs ?? STEP_TIMEOUT_MS);
    // Everything the run waits on races this: a stop rejects it, and the run unwinds.
    this.stopped = new Promise((_, reject) => (this.stop = reject));
    this.stopped.catch(() => undefined);
    // Resolved by the handshake's yes; made here, as the person may press before the run starts waiting.
    this.sentOnce = new Promise((resolve) => (this.sent = resolve));
  }

  note(event, detail) {
    this.log.push({ at: new Date().toISOString(), event: event.slice(0, 200), ...(detail ? { detail: String(detail).slice(0, 2000) } : {}) });
  }

  /** `promise`, unless the run is stopped first. */
  until(promise) {
    return Promise.race([promise, this.stopped]);
  }

  async remember() {
    const { id, token } = this.lease;
    await chrome.storage.session.set({ [OPEN_KEY]: { lease: { id, token }, tabId: this.tabId, asked: this.asked, at: Date.now() } });
  }

  async run() {
    const { directory } = this.lease;
    await setStatus(`${directory.name}: opening the form`);
    await this.remember();
    // At least every heartbeatMs, as the protocol asks; never more often than once a second, whatever a lease says.
    const beats = setInterval(() => void this.beat(), Math.max(1000, this.lease.heartbeatMs));
    let report;
    try {
      report = this.lease.kind === 'verify' ? { complete: { listed: await this.until(askListed(this.lease)) } } : await this.submit();
    } catch (err) {
      if (!(err instanceof Stop)) this.note('extension error', err.message);
      report = err instanceof Stop ? err.report : { fail: this.asked ? { kind: 'page', message: `after the form was sent: ${err.message}` } : { kind: 'browser', message: err.message } };
    } finally {
      clearInterval(beats);
      await setBadge(false);
    }
    if (report) await this.report(report);
    await chrome.storage.session.remove(OPEN_KEY);
    const tabId = this.tabId;
    if (report) setTimeout(() => void closeTab(tabId), CLOSE_AFTER_MS);
    else await closeTab(tabId);
  }

  /** Keeps the lease (and, by touching extension storage, this service worker) alive. */
  async beat() {
    try {
      await this.api.heartbeat(this.lease, this.progress);
      await this.remember();
    } catch (err) {
      if (err instanceof ApiError && err.transient) return; // the next beat may land; the lease outlasts two misses
      this.note('lease lost', err.message);
      await setStatus(`${this.lease.directory.name}: Boltline took the submission back (${err.message})`);
      this.stop(new Stop('lease lost'));
    }
  }

  async submit() {
    const { directory, values } = this.lease;
    const plan = planLease(directory.adapter, values);
    if (plan.unsupported) return { fail: { kind: 'page', message: plan.unsupported } };
    if (plan.missing) {
      this.note('not submitted', plan.missing);
      return { complete: { outcome: { result: 'refused', reason: plan.missing, retryable: false } } };
    }
    for (const n of plan.notes) this.note('trimmed', n);
    const tab = await this.until(chrome.tabs.create({ url: directory.submitUrl, active: true }));
    this.tabId = tab.id;
    await this.remember();
    await this.until(tabLoaded(tab.id, PAGE_LOAD_MS));
    const status = await this.until(inTab(tab.id, pageStatus)).catch((err) => {
      if (err instanceof Stop) throw err;
      throw new Stop('no page', { fail: { kind: 'page', message: `the form page did not load: ${err.message}` } });
    });
    this.note('navigated', `${status ?? '?'} ${directory.submitUrl}`);
    if (status >= 400) return formPageError(status);

    this.progress = 'filling';
    await this.until(injectContent(tab.id));
    const [{ step, values: stepValues }] = plan.steps;
    const filled = await this.until(chrome.tabs.sendMessage(tab.id, { type: 'boltline:fill', leaseId: this.lease.id, directoryName: directory.name, step, values: stepValues, stepMs: this.stepMs, dismissMs: DISMISS_WAIT_MS }));
    this.log.push(...(filled?.log ?? []));
    if (!filled?.ok) return { fail: filled?.error ?? { kind: 'page', message: 'the form could not be filled' } };

    this.progress = 'waiting for a person';
    await setBadge(true);
    await setStatus(`${directory.name}: waiting for you in its tab`);
    const timeout = setTimeout(() => this.stop(new Stop('nobody came', { fail: { kind: 'browser', message: `nobody sent the form within ${PERSON_WAIT_MS / 60_000} minutes; given back` } })), PERSON_WAIT_MS);
    try {
      await this.until(this.sentOnce);
    } finally {
      clearTimeout(timeout);
    }
    await setBadge(false);
    this.progress = 'reading the answer';
    await setStatus(`${directory.name}: reading the answer`);
    const report = answerReport(directory.adapter, await this.answer());
    this.note(report.complete?.outcome?.result === 'submitted' ? 'accepted' : report.complete ? 'refused' : 'no answer', report.complete?.outcome?.reason ?? report.fail?.message ?? report.complete?.outcome?.reference);
    return report;
  }

  /** The handshake before the irreversible click; answers the content script whether it may send, and until when. */
  async submitting() {
    this.progress = 'submitting';
    let answer;
    try {
      answer = await this.api.submitting(this.lease);
    } catch (err) {
      if (err instanceof ApiError && err.transient) return { go: false, retry: true, message: `Boltline did not answer (${err.message}); press again` };
      this.note('not sent', err.message);
      this.stop(new Stop('refused to submit'));
      return { go: false, message: `Boltline says not to send it: ${err.message}` };
    }
    // clickBy is on the server's clock. The time left is measured on that clock (the Date header,
    // whole seconds, so the server's now may be a second later) and counted from when the call
    // left (the answer was made after): never later on this machine's clock than the server meant.
    const clickBy = Date.parse(answer.body.clickBy);
    const clickBefore = answer.serverDate ? answer.sentAt + (clickBy - (answer.serverDate + 1000)) : clickBy;
    this.asked = true;
    await this.remember();
    this.note('submitting');
    this.sent();
    return { go: true, clickBefore };
  }

  /** Reads the page until it shows the definition's success or failure, a 5xx, or the step's time runs out. */
  async answer() {
    const { success, failure, capture } = this.lease.directory.adapter;
    const until = Date.now() + this.stepMs;
    for (;;) {
      // Mid-navigation the tab has no document to run in: that is "not yet".
      const seen = await this.until(inTab(this.tabId, readAnswer, { success, failure, capture })).catch((err) => {
        if (err instanceof Stop) throw err;
        return undefined;
      });
      if (seen && (seen.ok !== undefined || seen.status >= 500)) return seen;
      if (Date.now() >= until) return seen;
      await this.until(new Promise((r) => setTimeout(r, OUTCOME_POLL_MS)));
    }
  }

  /** The screenshot first (the API keeps it with the attempt), then the report; a lease gone meanwhile is dropped. */
  async report(report) {
    try {
      if (this.tabId !== undefined) {
        const png = await screenshotOf(this.tabId).catch((err) => this.note('no screenshot', err.message));
        if (png) await this.api.screenshot(this.lease, png).catch((err) => this.note('screenshot not kept', err.message));
      }
      const settled = report.complete ? await this.api.complete(this.lease, { ...report.complete, log: this.log }) : await this.api.fail(this.lease, { ...report.fail, log: this.log });
      await setStatus(`${this.lease.directory.name}: ${settled.body.status} (${settled.body.detail})`);
    } catch (err) {
      await setStatus(`${this.lease.directory.name}: the report did not land (${err.message})`);
    }
  }
}
