import express, { type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import type { EntityManager } from 'typeorm';
import { readCatalogue, writeCatalogue } from '../../directories/catalogue-file';
import { importDirectories, type CatalogueChanges } from '../../directories/directory-store';
import type { AdapterDefinition } from '../../directories/definition/adapter.schema';
import type { DirectoryDocument } from '../../directories/definition/directory.schema';
import { SANDBOX_DEFAULT_URL } from '../catalogue';
import type { SandboxState } from '../sandbox-state';

/**
 * Directories whose answers exercise the adapter language's outcome rules (issue 12), served at
 * /f/outcomes/<id>/. Each has one small form (name, website, email); they differ in how the final
 * POST is answered. What each received is kept in the sandbox state like any directory's.
 *
 * - outcomes-reference: two pages; the first's button moves on only a second after the click, and the
 *   second has no field, only a button like the first's, so the adapter needs a step waitFor; the
 *   answer's text carries a reference number.
 * - outcomes-url: the answer is a redirect to thanks?id=..., a page with nothing distinctive on it.
 * - outcomes-text: the answer is plain text, no element to point at.
 * - outcomes-server-error: the first POST per website gets a 500 and records nothing; the
 *   definition says so (serverErrorMeans: not-recorded), so the retry is safe.
 * - outcomes-search: records the listing, then answers 500; its public search page tells.
 * - outcomes-search-miss: answers the first POST 500 without recording; its search page says not listed.
 * - outcomes-busy: the form page answers the first visit 429 with Retry-After.
 */
export const OUTCOMES_FEATURES = ['reference', 'url', 'text', 'server-error', 'search', 'search-miss', 'busy'] as const;
type Feature = (typeof OUTCOMES_FEATURES)[number];

export const OUTCOMES_CATALOGUE_FILE = `${__dirname}/outcomes.yaml`;

const fields = [
  { field: 'businessName', target: { css: '#name' }, kind: 'fill' },
  { field: 'website', target: { css: '#website' }, kind: 'fill' },
  { field: 'email', target: { css: '#email' }, kind: 'fill' },
] as const;
const send = { css: 'button[type="submit"]' };
const formStep = { fields: [...fields], advance: send };
const common = { version: 1 as const, permanentFailures: ['missing'] };

const ADAPTERS: Record<Feature, AdapterDefinition> = {
  reference: {
    ...common,
    description: 'Two pages; the thank-you text carries a reference number.',
    steps: [{ ...formStep, waitFor: { url: '/confirm' } }, { fields: [], advance: send }],
    success: { text: 'Thank you' },
    failure: { selectors: ['.problem'] },
    capture: { pattern: 'reference number is ([A-Z]+-\\d+)' },
  },
  url: {
    ...common,
    description: 'Success is a redirect to thanks?id=..., nothing on the page to point at.',
    steps: [formStep],
    success: { url: '/thanks?id=' },
    failure: { url: '/sorry' },
    capture: { from: 'url', pattern: 'id=([\\w-]+)' },
  },
  text: {
    ...common,
    description: 'Success and failure are plain text.',
    steps: [formStep],
    success: { text: '/your listing (has been|was) received/' },
    failure: { text: 'could not take your listing' },
  },
  'server-error': {
    ...common,
    description: 'A 500 to the final POST records nothing.',
    steps: [formStep],
    success: { text: 'Thank you' },
    failure: { selectors: ['.problem'] },
    serverErrorMeans: 'not-recorded',
  },
  search: {
    ...common,
    description: 'Records the listing, then answers 500; its search page tells.',
    steps: [formStep],
    success: { text: 'Thank you' },
    failure: { selectors: ['.problem'] },
    verify: { search: { url: 'search?q={businessName}', found: { selector: '.result' } } },
  },
  'search-miss': {
    ...common,
    description: 'Answers the first POST 500 without recording; its search page says not listed.',
    steps: [formStep],
    success: { text: 'Thank you' },
    failure: { selectors: ['.problem'] },
    verify: { search: { url: 'search?q={businessName}', found: { text: 'listed:' } } },
  },
  busy: {
    ...common,
    description: 'The form page answers the first visit 429 with Retry-After.',
    steps: [formStep],
    success: { status: 200, text: 'Thank you' },
    failure: { selectors: ['.problem'] },
  },
};

/** The feature directories at a sandbox's `baseUrl`. */
export function outcomesCatalogue(baseUrl: string = SANDBOX_DEFAULT_URL): DirectoryDocument[] {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return OUTCOMES_FEATURES.map((f) => ({
    id: `outcomes-${f}`,
    name: `Outcomes feature: ${f}`,
    submitUrl: `${base}f/outcomes/outcomes-${f}/`,
    enabled: true,
    adapter: ADAPTERS[f],
  }));
}

/** The text of outcomes.yaml; a test keeps the committed file equal to it. */
export function outcomesCatalogueFile(): string {
  return `# The outcome-rule feature directories (src/sandbox/features/outcomes.ts); do not edit by hand.\n${writeCatalogue(outcomesCatalogue(), 'yaml', SANDBOX_DEFAULT_URL)}`;
}

/** Imports outcomes.yaml for a sandbox at `baseUrl`, next to the directories already there. */
export async function importOutcomesCatalogue(m: EntityManager, baseUrl: string): Promise<CatalogueChanges> {
  const checked = readCatalogue(readFileSync(OUTCOMES_CATALOGUE_FILE, 'utf8'), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  if (!checked.ok) throw new Error(`${OUTCOMES_CATALOGUE_FILE}: ${JSON.stringify(checked.errors)}`);
  return importDirectories(m, checked.value, { by: 'sandbox', disableOthers: false });
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

/** `delayed`: the button saves in the background and moves on a second later, as script-driven wizards do. */
const form = (action: string, hidden: Record<string, string> = {}, delayed = false) => `
  <form method="post" action="${action}">
    ${Object.entries(hidden).map(([n, v]) => `<input type="hidden" name="${n}" value="${escape(v)}">`).join('')}
    ${Object.keys(hidden).length ? '<p>Please confirm your listing.</p>' : `
    <label>Business name <input id="name" name="name"></label>
    <label>Website <input id="website" name="website"></label>
    <label>Email <input id="email" name="email"></label>`}
    ${delayed ? '<button type="submit" onclick="event.preventDefault(); setTimeout(() => this.form.submit(), 1000)">Send</button>' : '<button type="submit">Send</button>'}
  </form>`;

export function outcomesRouter(state: SandboxState): express.Router {
  const router = express.Router();
  router.param('id', (_req, res, next, id: string) => {
    const feature = id.replace(/^outcomes-/, '') as Feature;
    if (!OUTCOMES_FEATURES.includes(feature)) return void res.status(404).type('text/plain').send(`No feature directory called ${id}`);
    res.locals.feature = feature;
    next();
  });

  router.get('/:id/', (_req, res) => {
    const feature = featureOf(res);
    // The whole site is busy on the first visit (keyed per directory, forgotten by a reset).
    if (feature === 'busy' && state.tripFlaky('outcomes-busy', '')) {
      return void res.status(429).set('retry-after', '1').type('html').send(page('Too many requests', '<p>Slow down.</p>'));
    }
    const action = feature === 'reference' ? 'confirm' : 'submit';
    res.type('html').send(page(`Add your business (${feature})`, form(action, {}, feature === 'reference')));
  });

  router.post('/:id/confirm', (req, res) => {
    const { name = '', website = '', email = '' } = fieldsOf(req);
    res.type('html').send(page('Confirm', form('submit', { name, website, email })));
  });

  router.post('/:id/submit', (req, res) => {
    const feature = featureOf(res);
    const slug = `outcomes-${feature}`;
    const { name = '', website = '', email = '' } = fieldsOf(req);
    const record = (outcome: 'accepted' | 'rejected') =>
      state.record({ slug, position: 0, website, businessName: name, fields: { name, website, email }, outcome, at: new Date().toISOString() });

    if ((feature === 'server-error' || feature === 'search-miss') && state.tripFlaky(slug, website)) {
      return void res.status(500).type('html').send(page('Server error', '<p class="problem">Something went wrong.</p>'));
    }
    if (!name || !website || !email) {
      record('rejected');
      const msg = 'A required field is missing';
      if (feature === 'url') return void res.redirect(303, 'sorry');
      return void res.status(422).type('html').send(page('Sorry', feature === 'text' ? `<p>We could not take your listing: ${msg}</p>` : `<p class="problem">${msg}</p>`));
    }
    record('accepted');
    const reference = `OR-${1000 + state.all().length}`;
    if (feature === 'search') {
      // Taken, then the answer is lost: only the search page can say what happened.
      return void res.status(500).type('html').send(page('Server error', '<p>Internal error</p>'));
    }
    if (feature === 'url') return void res.redirect(303, `thanks?id=${reference}`);
    if (feature === 'text') return void res.type('html').send(page('Done', `<p>Your listing has been received, ${escape(name)}.</p>`));
    res.type('html').send(page('Done', `<p>Thank you! Your reference number is ${reference}.</p>`));
  });

  router.get('/:id/thanks', (_req, res) => void res.type('html').send(page('Done', '<p>All good.</p>')));
  router.get('/:id/sorry', (_req, res) => void res.type('html').send(page('Done', '<p>Not this time.</p>')));

  router.get('/:id/search', (req, res) => {
    const slug = `outcomes-${featureOf(res)}`;
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const hits = state.all().filter((s) => s.slug === slug && s.outcome === 'accepted' && s.businessName === q);
    const list = hits.map((h) => `<li class="result">listed: ${escape(h.businessName)}</li>`).join('');
    res.type('html').send(page(`Search: ${q}`, hits.length ? `<ul>${list}</ul>` : '<p>No results.</p>'));
  });
  return router;
}

function featureOf(res: Response): Feature {
  return res.locals.feature as Feature;
}

function fieldsOf(req: Request): Record<string, string> {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
