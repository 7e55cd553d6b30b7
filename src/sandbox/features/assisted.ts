import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { writeCatalogue } from '../../directories/catalogue-file';
import type { AdapterInput } from '../../directories/definition/adapter.schema';
import { checkDirectory, type DirectoryDocument } from '../../directories/definition/directory.schema';
import { SANDBOX_DEFAULT_URL } from '../catalogue';
import { categoryOptions, escapeHtml, htmlPage } from '../pages/html';
import type { SandboxState } from '../sandbox-state';

/**
 * A directory a person has to finish, served under /f/assisted/: its listing form ends with a
 * stand-in CAPTCHA, a word shown on the page that must be typed back. The word is new on every
 * visit and good for one POST, so no definition can fill it: only a person at the staff
 * extension's tab can. Every POST is recorded (slug `assisted-captcha`); one without the right
 * word is refused (422) and takes no listing. Its definition says `assisted: true`.
 */
export const ASSISTED_SLUG = 'assisted-captcha';

const WORDS = ['PLUM', 'CEDAR', 'HARBOUR', 'MAPLE', 'QUARRY', 'LANTERN', 'WILLOW', 'COPPER'];

/** Where the page shows the word: a test reads it off the page, as a person would. */
export const ASSISTED_CHALLENGE_SELECTOR = '#challenge';
/** Challenges kept unanswered at most; the oldest is forgotten first (the sandbox runs for tests and demos only). */
const MAX_OPEN_CHALLENGES = 1000;

const FORM = (challengeId: string, word: string) => `<h1>Add your business</h1>
<form method="post" action="/f/assisted/listing/submit" novalidate>
<p><label for="name">Business name</label> <input type="text" id="name" name="name"></p>
<p><input type="text" name="website" placeholder="https://your-site.example"></p>
<p><label for="cat">Category</label> <select id="cat" name="category">${categoryOptions()}</select></p>
<p><label for="phone">Phone (digits)</label> <input type="text" id="phone" name="phone"></p>
<p><label for="where">Address (one line)</label> <input type="text" id="where" name="where"></p>
<fieldset><legend>Listing plan</legend>
<label><input type="radio" name="plan" value="p0"> Free</label>
<label><input type="radio" name="plan" value="p1"> Premium</label></fieldset>
<p><label><input type="checkbox" name="terms" value="yes"> I accept the terms</label></p>
<fieldset id="captcha" class="captcha"><legend>Are you a person?</legend>
<p>Type the word in the box: <span id="challenge" style="border:1px solid #333;padding:2px 6px;font-family:monospace">${escapeHtml(word)}</span></p>
<p><label for="answer">Word</label> <input type="text" id="answer" name="captcha" autocomplete="off"></p>
<input type="hidden" name="challenge" value="${escapeHtml(challengeId)}"></fieldset>
<p><button type="submit">Send listing</button></p>
</form>`;

/** What the staff extension fills; the CAPTCHA is left out on purpose. */
const ADAPTER: AdapterInput = {
  version: 1,
  description: 'A stand-in CAPTCHA ends the form: the staff extension fills the rest, a person types the word and sends.',
  assisted: true,
  steps: [
    {
      fields: [
        { field: 'businessName', target: { label: 'Business name' } },
        { field: 'website', target: { placeholder: 'https://your-site.example' } },
        { field: 'category', kind: 'select', target: { label: 'Category' } },
        { field: 'phone', format: 'digits', target: { css: 'input[name="phone"]' } },
        { template: '{address}, {city} {zip}', target: { label: 'Address (one line)' } },
        { const: 'Free', kind: 'radio', target: { role: 'group', name: 'Listing plan' } },
        { const: 'yes', kind: 'check', target: { label: 'I accept the terms' } },
      ],
      advance: { role: 'button', name: 'Send listing' },
    },
  ],
  success: { selectors: ['#outcome.accepted'] },
  failure: { selectors: ['#outcome.refused'] },
  capture: { selector: '#reference' },
  permanentFailures: ['required'],
};

export const ASSISTED_CATALOGUE_FILE = join(__dirname, 'assisted.yaml');

export function assistedCatalogue(baseUrl: string = SANDBOX_DEFAULT_URL): DirectoryDocument[] {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const checked = checkDirectory({ id: ASSISTED_SLUG, name: 'Assisted: a CAPTCHA for a person', submitUrl: `${base}f/assisted/listing/`, enabled: true, adapter: ADAPTER });
  if (!checked.ok) throw new Error(`${ASSISTED_SLUG}: ${JSON.stringify(checked.errors)}`);
  return [checked.value];
}

/** The text of assisted.yaml. */
export function assistedCatalogueFile(): string {
  return `# The assisted feature page (src/sandbox/features/assisted.ts). Written by \`npm run sandbox:catalogue\`; do not edit by hand.\n${writeCatalogue(assistedCatalogue(), 'yaml', SANDBOX_DEFAULT_URL)}`;
}

/** Fields the POST needs besides the CAPTCHA, and how a refusal names them. */
const REQUIRED: Record<string, string> = { name: 'Business name', website: 'Website', category: 'Category', phone: 'Phone', where: 'Address', plan: 'Listing plan', terms: 'Terms' };

export function assistedRouter(state: SandboxState): Router {
  const router = express.Router();
  /** Challenge id -> its word; deleted by the POST that answers it, right or wrong. */
  const challenges = new Map<string, string>();
  let accepted = 0;

  router.get('/listing/', (_req, res) => {
    const id = randomBytes(8).toString('hex');
    const word = `${WORDS[randomInt(WORDS.length)]}-${randomInt(10, 100)}`;
    challenges.set(id, word);
    if (challenges.size > MAX_OPEN_CHALLENGES) challenges.delete(challenges.keys().next().value!);
    res.type('html').send(htmlPage('Add your business', FORM(id, word)));
  });
  router.post('/listing/submit', (req: Request, res: Response) => {
    const fields = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const word = challenges.get(fields.challenge ?? '');
    challenges.delete(fields.challenge ?? '');
    const missing = Object.entries(REQUIRED).find(([name]) => !fields[name]?.trim());
    const problem = !word || fields.captcha?.trim().toUpperCase() !== word ? 'The CAPTCHA answer is wrong: no listing was taken.' : missing ? `${missing[1]} is required` : undefined;
    state.record({ slug: ASSISTED_SLUG, position: 0, website: fields.website ?? '', businessName: fields.name ?? '', fields, outcome: problem ? 'rejected' : 'accepted', at: new Date().toISOString() });
    const body = problem
      ? `<p id="outcome" class="refused" role="alert">${escapeHtml(problem)}</p>`
      : `<p id="outcome" class="accepted" role="status">Thank you, your listing was received. Reference <span id="reference">AS-${String(++accepted).padStart(4, '0')}</span></p>`;
    res.status(problem ? 422 : 200).type('html').send(htmlPage('Add your business', body));
  });
  return router;
}
