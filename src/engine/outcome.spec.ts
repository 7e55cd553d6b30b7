import type { AppConfig } from '../config/config.schema';
import { retryAfter } from './form-runner';
import { captureReference, fillTemplate, listedOnSearchPage, matchesPattern, ruleHolds, waitForOutcome, type PageProbe } from './outcome';
import { attemptTimeouts } from './timeouts';

/** A page as a rule sees it: its URL, its last navigation's status, its text and its visible elements. */
function probe(page: { url?: string; status?: number; text?: string; elements?: Record<string, string> }): PageProbe {
  return {
    url: () => page.url ?? 'https://dir.example/submit',
    status: () => page.status,
    text: async () => page.text ?? '',
    visible: async (selectors) => {
      const s = selectors.find((x) => page.elements?.[x] !== undefined);
      return s ? { selector: s, text: page.elements![s] } : undefined;
    },
  };
}

describe('outcome rules', () => {
  it('reads text to contain case-insensitively, and /slashed/ text as a regular expression', () => {
    expect(matchesPattern('thank you', 'THANK YOU for listing')).toBe(true);
    expect(matchesPattern('/^ref\\s+\\d+$/', 'Ref 42')).toBe(true);
    expect(matchesPattern('/^ref\\s+\\d+$/', 'Ref 42a')).toBe(false);
    expect(matchesPattern('a.b', 'axb')).toBe(false); // plain text is not a pattern
  });

  it('holds a selectors-only rule as before: any visible selector, with its text as the message', async () => {
    const page = probe({ elements: { '.ok': ' Listed! ' } });
    expect(await ruleHolds({ selectors: ['.nope', '.ok'] }, page)).toEqual({ message: 'Listed!' });
    expect(await ruleHolds({ selectors: ['.nope'] }, page)).toBeUndefined();
  });

  it('holds a text rule on the visible text, and reports the line that matched', async () => {
    const page = probe({ text: 'Acme Directory\n  Thanks, your listing is in review.  \nFooter' });
    expect(await ruleHolds({ text: 'listing is in review' }, page)).toEqual({ message: 'Thanks, your listing is in review.' });
    expect(await ruleHolds({ text: '/listing (is|was) refused/' }, page)).toBeUndefined();
  });

  it('holds a URL rule on the address the page ended on', async () => {
    const page = probe({ url: 'https://dir.example/thanks?id=ABC-7', status: 200 });
    expect(await ruleHolds({ url: '/thanks?id=' }, page)).toEqual({ message: 'https://dir.example/thanks?id=ABC-7 (HTTP 200)' });
    expect(await ruleHolds({ url: '/\\/thanks\\?id=\\w+-\\d+$/' }, page)).toBeDefined();
    expect(await ruleHolds({ url: '/sorry' }, page)).toBeUndefined();
  });

  it('holds a status rule only on a navigation that answered one of its statuses', async () => {
    expect(await ruleHolds({ status: 409 }, probe({ status: 409 }))).toBeDefined();
    expect(await ruleHolds({ status: [400, 422] }, probe({ status: 422 }))).toBeDefined();
    expect(await ruleHolds({ status: [400, 422] }, probe({ status: 200 }))).toBeUndefined();
    // No navigation since the click (a script-driven form): a status rule cannot hold.
    expect(await ruleHolds({ status: 200 }, probe({}))).toBeUndefined();
  });

  it('needs every key a rule gives', async () => {
    const rule = { url: '/thanks', text: 'received' };
    expect(await ruleHolds(rule, probe({ url: 'https://d/thanks', text: 'We received it' }))).toEqual({ message: 'We received it' });
    expect(await ruleHolds(rule, probe({ url: 'https://d/thanks', text: 'Oops' }))).toBeUndefined();
    expect(await ruleHolds(rule, probe({ url: 'https://d/form', text: 'We received it' }))).toBeUndefined();
  });

  it('asks success before failure, and gives up when told to stop', async () => {
    const both = probe({ text: 'Accepted. Error banner template' });
    expect(await waitForOutcome({ text: 'accepted' }, { text: 'error' }, both, 10_000)).toEqual({ ok: true, message: 'Accepted. Error banner template' });
    expect(await waitForOutcome({ text: 'nope' }, { text: 'error' }, both, 10_000)).toMatchObject({ ok: false });
    expect(await waitForOutcome({ text: 'nope' }, { text: 'nada' }, both, 10_000, () => true)).toBeUndefined();
  });
});

describe('reference capture', () => {
  it("takes the pattern's group from the page's text", async () => {
    const page = probe({ text: 'Thank you!\nYour reference number is BL-20931.\n' });
    expect(await captureReference({ pattern: 'reference number is ([A-Z]+-\\d+)' }, page)).toBe('BL-20931');
    expect(await captureReference({ pattern: 'confirmation code: (\\d+)' }, page)).toBeUndefined();
  });

  it("takes an element's whole text, or the pattern's group within it", async () => {
    const page = probe({ elements: { '#ref': '  Q-1234  ', '.msg': 'Saved as #889' } });
    expect(await captureReference({ selector: '#ref' }, page)).toBe('Q-1234');
    expect(await captureReference({ selector: '.msg', pattern: '#(\\d+)' }, page)).toBe('889');
    expect(await captureReference({ selector: '.missing' }, page)).toBeUndefined();
  });

  it('reads the URL when told to, and the whole match of a pattern without a group', async () => {
    const page = probe({ url: 'https://dir.example/thanks?id=ABC-7', text: 'Thanks' });
    expect(await captureReference({ from: 'url', pattern: 'id=([\\w-]+)' }, page)).toBe('ABC-7');
    expect(await captureReference({ from: 'url', pattern: 'ABC-\\d+' }, page)).toBe('ABC-7');
  });
});

describe('verify by search page', () => {
  it('fills a URL template with URL-encoded customer fields', () => {
    expect(fillTemplate('search?q={businessName}&city={city}', { businessName: 'Bob & Sons /ltd', city: 'São Paulo' })).toBe(
      'search?q=Bob%20%26%20Sons%20%2Fltd&city=S%C3%A3o%20Paulo',
    );
    expect(fillTemplate('search?q={zip}', {})).toBe('search?q=');
  });

  it('says listed when the page shows what found describes, not listed when it loads without it', async () => {
    const results = probe({ text: 'Results for Acme Plumbing\nAcme Plumbing — 12 Main St', elements: { '.result': 'Acme Plumbing' } });
    const empty = probe({ text: 'Results for Acme Plumbing\nNo results' });
    expect(await listedOnSearchPage({ text: 'Acme Plumbing — ' }, results)).toBe(true);
    expect(await listedOnSearchPage({ selector: '.result' }, results)).toBe(true);
    expect(await listedOnSearchPage({ selector: '.result' }, empty)).toBe(false);
    expect(await listedOnSearchPage({ text: '/\\d+ Main St/' }, empty)).toBe(false);
  });
});

describe('Retry-After and time limits', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfter('120')).toBe(120_000);
    expect(retryAfter('Sun, 29 Nov 2026 10:00:30 GMT', Date.parse('Sun, 29 Nov 2026 10:00:00 GMT'))).toBe(30_000);
    expect(retryAfter(undefined)).toBeUndefined();
    expect(retryAfter('soon')).toBeUndefined();
  });

  it("lets a directory shorten the worker's limits, never lengthen them", () => {
    const config = { SUBMIT_TIMEOUT_MS: 45_000 } as AppConfig;
    expect(attemptTimeouts(config, {})).toEqual({ stepMs: 15_000, submitMs: 45_000 });
    expect(attemptTimeouts(config, { timeouts: { stepMs: 5000, submitMs: 20_000 } })).toEqual({ stepMs: 5000, submitMs: 20_000 });
    expect(attemptTimeouts(config, { timeouts: { stepMs: 60_000, submitMs: 600_000 } })).toEqual({ stepMs: 15_000, submitMs: 45_000 });
  });
});
