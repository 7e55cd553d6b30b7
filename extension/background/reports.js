import { TOO_MANY_REQUESTS_MS } from './constants.js';

/**
 * What the extension tells Boltline, decided the way the fleet's engine decides it
 * (src/engine/form-runner.ts), in the protocol's terms: `complete` with an outcome, or `fail`.
 * Each answers `{ complete: {...} }` or `{ fail: {...} }`.
 */

/** The form page answered an HTTP error: nothing was sent. 408, 425, 429 and 5xx say "not now"; other 4xx will not change on a retry. */
export function formPageError(status) {
  const transient = status >= 500 || [408, 425, 429].includes(status);
  return {
    complete: {
      outcome: { result: 'refused', reason: `form page answered HTTP ${status}`, retryable: transient, ...(status === 429 ? { retryAfterMs: TOO_MANY_REQUESTS_MS } : {}) },
    },
  };
}

/**
 * The page after the person sent the form (background/page-probe.js readAnswer), or undefined
 * when it never showed success or failure in time. A 5xx is read by `serverErrorMeans`,
 * whatever the page shows with it; silence says nothing about whether the listing was taken,
 * so both are failures Boltline verifies before submitting again (it knows the form was sent).
 */
export function answerReport(adapter, answer) {
  if (answer?.status >= 500) {
    const what = `server error after submitting: ${answer.status} ${answer.url}`;
    if (adapter.serverErrorMeans === 'not-recorded') {
      return { complete: { outcome: { result: 'refused', reason: `${what} (the directory records nothing on a server error)`, retryable: true } } };
    }
    return { fail: { kind: 'page', message: what } };
  }
  if (answer?.ok === undefined) return { fail: { kind: 'page', message: 'the page showed neither success nor failure after submitting' } };
  if (answer.ok) return { complete: { outcome: { result: 'submitted', ...(answer.reference ? { reference: answer.reference } : {}) } } };
  const permanent = (adapter.permanentFailures ?? []).some((p) => new RegExp(p, 'i').test(answer.message));
  return { complete: { outcome: { result: 'refused', reason: answer.message, retryable: !permanent } } };
}
