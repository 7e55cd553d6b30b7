import type { Page, Request } from 'playwright-core';
import { CUSTOMER_FIELDS, type CustomerField } from '../../customers/customer-fields';
import { retryAfter, TOO_MANY_REQUESTS_MS, type RunResult } from '../form-runner';
import { OutcomeUnknown } from '../listing-submitter';
import type { CodeAdapter } from './code-adapter';

/**
 * Code adapter `fetch-form`: a one-page form drawn by the site's script after load, which posts
 * its fields as JSON with fetch() and shows the answer in place, without a navigation (a common
 * shape for sites built as single-page apps).
 *
 * Why it needs code: the answer that matters is the JSON reply to that fetch, which the adapter
 * language cannot see (its rules read the page, and its `status` is a navigation's). What such a
 * page shows is not enough: a 5xx and a dropped connection both become a friendly "please try
 * again" in the page, which a definition would have to read as a refusal and retry, although the
 * site may have taken the listing. Here they are what they are: an unknown outcome, which the next
 * attempt checks with the definition's `verify` before sending anything again.
 *
 * It knows no particular site: its controls are found by their labels (FIELD_LABELS), its button
 * is the form's submit button, and the reply is read as `{ ok?, message?, error?, reference? }`.
 */

/** Label text each customer field is asked under, matched at the start of the control's label. */
const FIELD_LABELS: Record<CustomerField, RegExp> = {
  businessName: /^\s*(business|company|organi[sz]ation)( name)?\b/i,
  email: /^\s*e-?mail\b/i,
  phone: /^\s*(tele)?phone( number)?\b|^\s*tel\b/i,
  website: /^\s*(web ?site|homepage|url)\b/i,
  address: /^\s*(street )?address\b/i,
  city: /^\s*(city|town)\b/i,
  state: /^\s*(state|province|region)\b/i,
  zip: /^\s*(zip|postal code|post ?code)\b/i,
  country: /^\s*country\b/i,
  category: /^\s*(category|industry)\b/i,
  description: /^\s*(description|about)\b/i,
};

/** The form's own submit button (a <button> without a type submits too). */
const SUBMIT = '[type="submit"], button:not([type])';
/** Where such pages show their answer, for the screenshot staff see. */
const ANSWER_REGION = '[role="status"], [role="alert"], [aria-live]';

/** What came back for the POST the click set off. */
type Reply = { status: number; body: Record<string, unknown>; retryAfter?: string } | { lost: string } | { none: true };

export const fetchForm: CodeAdapter = {
  name: 'fetch-form',
  async run(page, values, ctx) {
    const form = page.locator('form').filter({ has: page.locator(SUBMIT) }).first();
    await form.waitFor({ state: 'visible' }); // drawn by script: not in the served HTML
    let filled = 0;
    for (const field of CUSTOMER_FIELDS) {
      const control = form.getByLabel(FIELD_LABELS[field]).first();
      if ((await control.count()) === 0) continue; // this site does not ask for it
      const value = values[field]?.trim();
      if (!value) {
        ctx.log('left empty', `${field}: the customer has none`);
        continue;
      }
      if ((await control.evaluate((e) => e.tagName)) === 'SELECT') await control.selectOption(value);
      else await control.fill(value);
      filled++;
    }
    ctx.log('form filled', `${filled} field(s)`);

    // The listing's own POST carries what was typed: an analytics beacon sent on the same click
    // must not be read as the site's answer to the irreversible submit.
    const reply = watchNextPost(page, values.businessName?.trim() ?? '');
    await ctx.submit(form.locator(SUBMIT).first());
    const got = await reply.within(ctx.stepTimeoutMs);
    await page.locator(ANSWER_REGION).filter({ hasText: /\S/ }).first().waitFor({ timeout: 2000 }).catch(() => undefined);
    return readReply(got, ctx.log);
  },
};

/**
 * Starts watching for the first fetch/XHR POST to the page's own origin whose body carries
 * `mark` (the business name, as the listing's POST does); `within` waits for its reply.
 */
function watchNextPost(page: Page, mark: string): { within(ms: number): Promise<Reply> } {
  let seen: (r: Request) => void;
  const request = new Promise<Request>((resolve) => (seen = resolve));
  const origin = new URL(page.url()).origin;
  const onRequest = (r: Request) => {
    if (r.method() !== 'POST' || !['fetch', 'xhr'].includes(r.resourceType()) || new URL(r.url()).origin !== origin) return;
    const body = r.postData() ?? '';
    if (!mark || body.includes(mark) || body.includes(JSON.stringify(mark).slice(1, -1)) || body.includes(encodeURIComponent(mark))) seen(r);
  };
  page.on('request', onRequest);
  return {
    async within(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
      try {
        const reply = Promise.race([
          request.then(async (r): Promise<Reply> => {
            const res = await r.response(); // null when the connection broke before a reply
            if (!res) return { lost: r.failure()?.errorText ?? 'no reply' };
            const body: unknown = await res.json().catch(() => ({}));
            return { status: res.status(), body: body && typeof body === 'object' ? (body as Record<string, unknown>) : {}, retryAfter: res.headers()['retry-after'] };
          }),
          timeout,
        ]);
        return (await reply) ?? { none: true };
      } finally {
        clearTimeout(timer);
        page.off('request', onRequest);
      }
    },
  };
}

function readReply(reply: Reply, log: (event: string, detail?: string) => void): RunResult {
  // After the click, no reply says nothing about whether the listing was taken.
  if ('none' in reply) throw new OutcomeUnknown('the page sent no request after the submit click, or its reply did not come in time');
  if ('lost' in reply) throw new OutcomeUnknown(`the reply to the listing was lost (${reply.lost}); the site may have taken it`);
  const { status, body } = reply;
  const text = [body.message, body.error, body.detail].find((t): t is string => typeof t === 'string' && t.trim() !== '')?.trim() ?? `HTTP ${status}`;
  if (status >= 500) throw new OutcomeUnknown(`the site answered HTTP ${status} (${text}); it may have taken the listing`);
  if ([408, 425, 429].includes(status)) {
    // Refused before it was looked at: "not now", for the fleet to honour.
    return { kind: 'error', message: `HTTP ${status}: ${text}`, retryAfterMs: retryAfter(reply.retryAfter) ?? (status === 429 ? TOO_MANY_REQUESTS_MS : undefined) };
  }
  const accepted = status < 300 && body.ok !== false && body.error === undefined;
  log(accepted ? 'accepted' : 'refused', text);
  if (!accepted) return { kind: 'error', message: text }; // the definition's permanentFailures say which are final
  const reference = [body.reference, body.id].find((r) => typeof r === 'string' || typeof r === 'number');
  return { kind: 'submitted', message: text, reference: reference === undefined ? undefined : String(reference) };
}
