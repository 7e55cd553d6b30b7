import { createHash } from 'node:crypto';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { writeCatalogue } from '../../directories/catalogue-file';
import type { AdapterInput } from '../../directories/definition/adapter.schema';
import { checkDirectory, type DirectoryDocument } from '../../directories/definition/directory.schema';
import { SANDBOX_DEFAULT_URL } from '../catalogue';
import { SANDBOX_CATEGORIES } from '../listing';
import { escapeHtml, htmlPage } from '../pages/html';
import type { SandboxState } from '../sandbox-state';

/**
 * Feature pages for the form parts of the adapter language (targets, values, actions), one
 * directory each, served under /f/forms/<page>/. Each page posts to /f/forms/<page>/submit, which
 * records exactly what arrived (slug `forms-<page>`) and refuses what a careless runner would send:
 * a required field left empty, or a value longer than the control's maxlength.
 */
interface FeaturePage {
  name: string;
  /** The page's <body> inside its form (or the page itself, for the iframe). */
  body: string;
  /** Form field names that must not be empty. */
  required: string[];
  /** Form field names that must arrive empty (decoys a sloppy match would fill). */
  empty?: string[];
  /** Form field name -> the most characters it takes. */
  maxLength?: Record<string, number>;
  /** The answer to an accepted POST sets a cookie `visitor` with the business name sent. */
  setsVisitorCookie?: boolean;
  adapter: AdapterInput;
}

const OUTCOME = { success: { selectors: ['#outcome.accepted'] }, failure: { selectors: ['#outcome.refused'] }, permanentFailures: ['required', 'too long'] };
const input = (name: string, attrs = '') => `<input type="text" name="${name}" ${attrs}>`;
const labelled = (id: string, label: string, attrs = '') => `<p><label for="${id}">${label}</label> ${input(id, `id="${id}" ${attrs}`)}</p>`;
const form = (page: string, inner: string, attrs = '') => `<form method="post" action="/f/forms/${page}/submit" ${attrs} novalidate>\n${inner}\n<p><button type="submit">Send</button></p>\n</form>`;
const send = { role: 'button', name: 'Send' } as const;

export const FORM_PAGES: Record<string, FeaturePage> = {
  iframe: {
    name: 'Forms: inside an iframe',
    body: '<h1>Add your business</h1>\n<iframe id="listing-frame" title="Listing form" src="inner" width="600" height="400"></iframe>',
    required: ['name', 'email'],
    adapter: {
      version: 1,
      description: 'Every control is inside an iframe',
      steps: [
        {
          fields: [
            { field: 'businessName', target: { label: 'Business name', frame: '#listing-frame' } },
            { field: 'email', target: { label: 'Email', frame: '#listing-frame' } },
          ],
          advance: { ...send, frame: '#listing-frame' },
        },
      ],
      ...OUTCOME,
    },
  },
  cookie: {
    name: 'Forms: cookie banner',
    // The consent script covers the page as it loads: the button underneath cannot be clicked
    // until the banner is accepted.
    body: `${form('cookie', labelled('name', 'Business name') + labelled('city', 'City'))}
<script>document.body.insertAdjacentHTML('beforeend',
  '<div id="consent" role="dialog" aria-label="Cookies" style="position:fixed;inset:0;background:#fffd;z-index:9">' +
  '<p>We use cookies.</p><button type="button" onclick="this.parentElement.remove()">Accept all</button></div>');</script>`,
    required: ['name', 'city'],
    adapter: {
      version: 1,
      steps: [
        {
          dismiss: [{ role: 'button', name: 'Accept all' }],
          fields: [
            { field: 'businessName', target: { label: 'Business name' } },
            { field: 'city', target: { label: 'City' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  placeholder: {
    name: 'Forms: placeholders only, Enter to send',
    body: form(
      'placeholder',
      [
        `<p><textarea name="about" placeholder="Tell us about your business" rows="4"></textarea></p>`,
        `<p>${input('n', 'placeholder="Business name"')}</p>`,
        `<p>${input('tel', 'placeholder="Phone (digits only)"')}</p>`,
        `<p>${input('web', 'data-testid="website-input"')}</p>`,
      ].join('\n'),
    ),
    required: ['n', 'tel', 'web'],
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { field: 'description', target: { placeholder: 'Tell us about your business' }, optional: true },
            { field: 'businessName', target: { placeholder: 'business name' } },
            { field: 'phone', format: 'digits', target: { placeholder: 'Phone (digits only)', exact: true } },
            { field: 'website', target: { testId: 'website-input' } },
          ],
          press: 'Enter',
        },
      ],
      ...OUTCOME,
    },
  },
  choices: {
    name: 'Forms: radio, select by text, checkbox, date',
    body: form(
      'choices',
      [
        `<fieldset><legend>Listing type</legend>
<label><input type="radio" name="plan" value="p0"> Free</label>
<label><input type="radio" name="plan" value="p1"> Premium</label></fieldset>`,
        `<p><label for="cat">Business type</label> <select id="cat" name="cat"><option value="">Choose</option>${SANDBOX_CATEGORIES.map((c, i) => `<option value="c${i + 1}">${escapeHtml(c)}</option>`).join('')}</select></p>`,
        `<p><label><input type="checkbox" name="show_phone" value="yes" data-testid="show-phone"> Show my phone number</label></p>`,
        `<p><label for="since">Open since</label> <input type="date" id="since" name="since"></p>`,
        labelled('land', 'Country'),
      ].join('\n'),
    ),
    required: ['plan', 'cat', 'show_phone', 'since', 'land'],
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { const: 'free', kind: 'radio', target: { role: 'group', name: 'Listing type' } },
            { field: 'category', kind: 'select-text', target: { label: 'Business type' } },
            { const: 'yes', kind: 'check', target: { testId: 'show-phone' } },
            { const: '2019-04-01', kind: 'date', target: { label: 'Open since' } },
            { field: 'country', format: 'name', target: { label: 'Country' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  maxlength: {
    name: 'Forms: a description longer than the field',
    body: form('maxlength', `${labelled('name', 'Business name')}\n<p><label for="about">Description</label> <textarea id="about" name="about" maxlength="60"></textarea></p>`),
    required: ['name', 'about'],
    maxLength: { about: 60, name: 12 },
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { field: 'businessName', target: { label: 'Business name' }, maxLength: 12 },
            { field: 'description', target: { label: 'Description' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  marked: {
    name: 'Forms: labels with required markers',
    body: form(
      'marked',
      [
        // A label that merely contains the wanted text comes first: it must stay empty.
        labelled('invoice', 'Company name for invoices'),
        labelled('company', 'Company  name <span class="req">*</span>'),
        labelled('mail', 'E-mail (required)'),
        labelled('phone', '\n  Phone:  '),
      ].join('\n'),
    ),
    required: ['company', 'mail', 'phone'],
    empty: ['invoice'],
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { field: 'businessName', target: { label: 'Company name' } },
            { field: 'email', target: { label: 'e-mail' } },
            { field: 'phone', format: 'e164', target: { label: 'Phone' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  values: {
    name: 'Forms: a constant and a template',
    body: form(
      'values',
      [
        labelled('name', 'Business name'),
        labelled('line', 'Address (one line)'),
        `<p><label for="heard">How did you hear about us?</label> <select id="heard" name="heard"><option value="">Choose</option><option>Search engine</option><option>Friend</option><option>Other</option></select></p>`,
      ].join('\n'),
    ),
    required: ['name', 'line', 'heard'],
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { field: 'businessName', target: { label: 'Business name' } },
            { template: '{address}, {city} {zip}', target: { label: 'Address (one line)' } },
            { const: 'Other', kind: 'select', target: { label: 'How did you hear about us?' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  tabs: {
    name: 'Forms: the form behind a tab',
    body: `<div role="tablist"><button type="button" role="tab" aria-selected="true" onclick="show(false)">About us</button>
<button type="button" role="tab" aria-selected="false" onclick="show(true)">Add your business</button></div>
<div id="panel" role="tabpanel" hidden>${form('tabs', labelled('name', 'Business name') + labelled('zip', 'ZIP code'))}</div>
<script>function show(on) { document.getElementById('panel').hidden = !on; }</script>`,
    required: ['name', 'zip'],
    adapter: {
      version: 1,
      steps: [
        {
          click: [{ role: 'tab', name: 'Add your business' }],
          fields: [
            { field: 'businessName', target: { label: 'Business name' } },
            { field: 'zip', target: { label: 'ZIP code' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  upload: {
    name: 'Forms: a logo to upload',
    body: form(
      'upload',
      // The file input is hidden behind its label, styled as a drop zone, as sites often do.
      `${labelled('name', 'Business name')}\n<p><label for="logo" style="display:inline-block;padding:1em;border:2px dashed #888">Logo</label> <input type="file" id="logo" name="logo" accept="image/png,image/jpeg,image/webp" style="display:none"></p>`,
      'enctype="multipart/form-data"',
    ),
    // `logo` holds the received file's SHA-256 (see uploadFields): empty when no file came.
    required: ['name', 'logo'],
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { field: 'businessName', target: { label: 'Business name' } },
            { field: 'logo', kind: 'upload', target: { label: 'Logo' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  missing: {
    name: 'Forms: a description is required',
    body: form('missing', `${labelled('name', 'Business name')}\n<p><label for="about">Description</label> <textarea id="about" name="about"></textarea></p>`),
    required: ['name', 'about'],
    adapter: {
      version: 1,
      steps: [
        {
          fields: [
            { field: 'businessName', target: { label: 'Business name' } },
            { field: 'description', target: { label: 'Description' } },
          ],
          advance: send,
        },
      ],
      ...OUTCOME,
    },
  },
  memory: {
    name: 'Forms: remembers its visitor',
    // What a site keeps in the browser: the answer sets a cookie, the page's script local storage,
    // each with the business name sent. The next visit sends back whatever it finds of them, so a
    // browser context shared between customers would show in what the directory receives.
    body: form(
      'memory',
      `${labelled('name', 'Business name')}\n<input type="hidden" name="seen_cookie"><input type="hidden" name="seen_storage">
<script>{ const f = document.forms[0]; f.elements.seen_cookie.value = document.cookie; f.elements.seen_storage.value = localStorage.getItem('visitor') ?? ''; }</script>`,
      `onsubmit="localStorage.setItem('visitor', this.elements.name.value)"`,
    ),
    required: ['name'],
    setsVisitorCookie: true,
    adapter: { version: 1, steps: [{ fields: [{ field: 'businessName', target: { label: 'Business name' } }], advance: send }], ...OUTCOME },
  },
};

const IFRAME_INNER = htmlPage(
  'Listing form',
  // target=_top: the answer replaces the whole page, where the outcome selectors look.
  form('iframe', labelled('name', 'Business name') + labelled('email', 'Email'), 'target="_top"'),
);

/** The feature pages' catalogue file, imported on top of the sandbox's (`importDirectories(..., { disableOthers: false })`). */
export const FORMS_CATALOGUE_FILE = join(__dirname, 'forms.yaml');

export function formsCatalogue(baseUrl: string = SANDBOX_DEFAULT_URL): DirectoryDocument[] {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return Object.entries(FORM_PAGES).map(([page, p]) => {
    const checked = checkDirectory({ id: `forms-${page}`, name: p.name, submitUrl: `${base}f/forms/${page}/`, enabled: true, adapter: p.adapter });
    if (!checked.ok) throw new Error(`forms-${page}: ${JSON.stringify(checked.errors)}`);
    return checked.value;
  });
}

/** The text of forms.yaml. */
export function formsCatalogueFile(): string {
  return `# The form feature pages (src/sandbox/features/forms.ts). Written by \`npm run sandbox:catalogue\`; do not edit by hand.\n${writeCatalogue(formsCatalogue(), 'yaml', SANDBOX_DEFAULT_URL)}`;
}

export function formsRouter(state: SandboxState): Router {
  const router = express.Router();
  router.get('/iframe/inner', (_req, res) => void res.type('html').send(IFRAME_INNER));
  router.get('/:page/', (req, res) => {
    const p = FORM_PAGES[String(req.params.page)];
    if (!p) return void res.status(404).type('text/plain').send('no such page');
    res.type('html').send(htmlPage(p.name, p.body));
  });
  // The upload page's form is multipart: its fields become plain ones for the handler below.
  router.post('/upload/submit', express.raw({ type: 'multipart/form-data', limit: '5mb' }), (req, _res, next) => {
    req.body = uploadFields(req);
    next();
  });
  router.post('/:page/submit', (req: Request, res: Response) => {
    const page = String(req.params.page);
    const p = FORM_PAGES[page];
    if (!p) return void res.status(404).type('text/plain').send('no such page');
    const fields = stringFields(req.body);
    const problem =
      p.required.map((name) => (fields[name]?.trim() ? undefined : `${name} is required`)).find(Boolean) ??
      (p.empty ?? []).map((name) => (fields[name] ? `${name} must be left empty` : undefined)).find(Boolean) ??
      Object.entries(p.maxLength ?? {}).map(([name, max]) => ((fields[name]?.length ?? 0) > max ? `${name} is too long (at most ${max} characters)` : undefined)).find(Boolean);
    state.record({ slug: `forms-${page}`, position: 0, website: fields.web ?? '', businessName: fields.name ?? fields.n ?? fields.company ?? '', fields, outcome: problem ? 'rejected' : 'accepted', at: new Date().toISOString() });
    const message = problem ?? 'Thank you, your listing was received.';
    if (p.setsVisitorCookie && !problem) res.cookie('visitor', fields.name, { path: '/', maxAge: 3_600_000 });
    res
      .status(problem ? 422 : 200)
      .type('html')
      .send(htmlPage(p.name, `<p id="outcome" class="${problem ? 'refused' : 'accepted'}" role="${problem ? 'alert' : 'status'}">${escapeHtml(message)}</p>`));
  });
  return router;
}

/** The string fields of a urlencoded body, textarea newlines as LF (as typed). */
function stringFields(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .map(([k, v]) => [k, v.replace(/\r\n/g, '\n')]),
  );
}

/**
 * The upload page's multipart body as plain fields: text parts as they are, a file part `x` as
 * `x` (its SHA-256, empty for no file), `x_bytes`, `x_type` and `x_filename`. A small parser for
 * this one form (express has none built in, and the sandbox adds no dependency for it).
 */
function uploadFields(req: Request): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '');
  if (!boundary || !Buffer.isBuffer(req.body)) return {};
  const body = req.body;
  const delimiter = Buffer.from(`\r\n--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  // Prefixing CRLF lets the first delimiter be found like the others.
  const whole = Buffer.concat([Buffer.from('\r\n'), body]);
  let at = whole.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (whole.subarray(start, start + 2).toString() === '--') break;
    const next = whole.indexOf(delimiter, start);
    if (next < 0) break;
    const part = whole.subarray(start + 2, next); // after the delimiter's CRLF
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = part.subarray(0, split).toString('utf8');
      const content = part.subarray(split + 4);
      const name = /name="([^"]*)"/i.exec(head)?.[1];
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      if (name === undefined) {
        // not a form field
      } else if (filename === undefined) fields[name] = content.toString('utf8');
      else {
        fields[name] = content.length ? createHash('sha256').update(content).digest('hex') : '';
        fields[`${name}_bytes`] = String(content.length);
        fields[`${name}_type`] = /content-type:\s*([^\r\n;]+)/i.exec(head)?.[1].trim() ?? '';
        fields[`${name}_filename`] = filename;
      }
    }
    at = next;
  }
  return fields;
}
