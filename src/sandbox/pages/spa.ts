import type { CustomerField } from '../../customers/customer-fields';
import { SANDBOX_CATEGORIES } from '../listing';
import { escapeHtml, htmlPage } from './html';
import type { LayoutSite } from './site';

/** Drawn by the page's script, in this order; the JSON body uses the customer field names. */
const FIELDS: [CustomerField, string, 'text' | 'tel' | 'select' | 'textarea'][] = [
  ['businessName', 'Business name', 'text'],
  ['email', 'Email', 'text'],
  ['phone', 'Phone', 'tel'],
  ['website', 'Website', 'text'],
  ['address', 'Address', 'text'],
  ['city', 'City', 'text'],
  ['state', 'State', 'text'],
  ['zip', 'ZIP', 'text'],
  ['country', 'Country', 'text'],
  ['category', 'Category', 'select'],
  ['description', 'Description', 'textarea'],
];

/** JSON that is safe inside <script>: no "</script>" or "<!--" can form. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

// Plain browser JavaScript. The 300 ms delay stands in for a bundle loading: the form is not in
// the served HTML. A 5xx or a network error becomes a retryable error message in #result.
const SCRIPT = `
const render = () => {
  const form = document.createElement('form');
  form.id = 'spa-form';
  form.noValidate = true;
  for (const [name, label, kind] of CONFIG.fields) {
    const p = document.createElement('p');
    const l = document.createElement('label');
    l.htmlFor = 'spa-' + name;
    l.textContent = label;
    const input = document.createElement(kind === 'select' || kind === 'textarea' ? kind : 'input');
    if (kind === 'select') {
      input.add(new Option('Choose a category', ''));
      for (const c of CONFIG.categories) input.add(new Option(c, c));
    } else if (kind !== 'textarea') {
      input.type = kind;
    }
    input.id = 'spa-' + name;
    input.name = name;
    p.append(l, ' ', input);
    form.append(p);
  }
  const button = document.createElement('button');
  button.type = 'submit';
  button.id = 'spa-submit';
  button.textContent = 'Publish listing';
  form.append(button);
  form.addEventListener('submit', submit);
  document.getElementById('app').replaceChildren(form);
};
const show = (ok, message) => {
  const result = document.getElementById('result');
  result.className = ok ? 'success' : 'error';
  result.textContent = message;
};
const submit = async (event) => {
  event.preventDefault();
  const body = {};
  for (const [name] of CONFIG.fields) body[name] = document.getElementById('spa-' + name).value;
  try {
    const res = await fetch(CONFIG.api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 500) return show(false, 'Server error (' + res.status + '), please try again later');
    const answer = await res.json();
    show(answer.ok, answer.message);
  } catch (err) {
    show(false, 'Network error, please try again later');
  }
};
setTimeout(render, 300);
`;

export const spaSite: LayoutSite = {
  fieldNames: Object.fromEntries(FIELDS.map(([field]) => [field, field])) as Record<CustomerField, string>,
  requiredChecks: [],

  formPage(dir) {
    const config = { api: `/d/${dir.slug}/api/listings`, fields: FIELDS, categories: SANDBOX_CATEGORIES };
    return htmlPage(
      dir.name,
      `<h1>${escapeHtml(dir.name)}</h1>
<div id="app"><p>Loading…</p></div>
<div id="result" role="status" aria-live="polite"></div>
<script>
const CONFIG = ${scriptJson(config)};
${SCRIPT}</script>`,
    );
  },
};
