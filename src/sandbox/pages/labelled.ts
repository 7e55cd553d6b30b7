import { control, escapeHtml, htmlPage } from './html';
import type { LayoutSite } from './site';

/** f1..f11 in this order; ids are just as meaningless, only the labels say what goes where. */
const FIELDS: { label: string; kind?: 'tel' | 'select' | 'textarea' }[] = [
  { label: 'Company name' },
  { label: 'Contact e-mail' },
  { label: 'Telephone', kind: 'tel' },
  { label: 'Web address' },
  { label: 'Street' },
  { label: 'Town' },
  { label: 'Region' },
  { label: 'Postcode' },
  { label: 'Country' },
  { label: 'Business type', kind: 'select' },
  { label: 'About the business', kind: 'textarea' },
];

export const labelledSite: LayoutSite = {
  fieldNames: {
    businessName: 'f1',
    email: 'f2',
    phone: 'f3',
    website: 'f4',
    address: 'f5',
    city: 'f6',
    state: 'f7',
    zip: 'f8',
    country: 'f9',
    category: 'f10',
    description: 'f11',
  },
  requiredChecks: [],

  formPage(dir) {
    const controls = FIELDS.map(({ label, kind }, i) => control({ id: `q${(i + 1) * 37}x`, name: `f${i + 1}`, label, kind }));
    // The aria-label makes the button findable by label too, like every other control here.
    return htmlPage(
      `List with ${dir.name}`,
      `<h1>${escapeHtml(dir.name)}</h1>
<form method="post" action="/d/${dir.slug}/submit" novalidate>
${controls.join('\n')}
<p><button type="submit" aria-label="Send listing">Send listing</button></p>
</form>`,
    );
  },

  resultPage(dir, answer) {
    const role = answer.ok ? 'status' : 'alert';
    return htmlPage(
      dir.name,
      `<h1>${escapeHtml(dir.name)}</h1>
<p id="outcome" class="${answer.ok ? 'accepted' : 'refused'}" role="${role}">${escapeHtml(answer.message)}</p>`,
    );
  },
};
