import { control, escapeHtml, hiddenInput, htmlPage } from './html';
import type { LayoutSite } from './site';

/** Page 1's inputs; page 2 sends them on as hidden inputs of the same names. */
const PAGE_ONE = ['company', 'contact_email', 'phone_number', 'homepage'];

export const twoStepSite: LayoutSite = {
  fieldNames: {
    businessName: 'company',
    email: 'contact_email',
    phone: 'phone_number',
    website: 'homepage',
    address: 'street_address',
    city: 'city',
    state: 'region',
    zip: 'postal_code',
    country: 'country',
    category: 'category',
    description: 'description',
  },
  requiredChecks: [{ name: 'accept_terms', message: 'You must agree to the terms' }],

  formPage(dir) {
    return htmlPage(
      `Step 1 of 2 - ${dir.name}`,
      `<h1>${escapeHtml(dir.name)}</h1>
<h2>Step 1 of 2: contact details</h2>
<form method="post" action="/d/${dir.slug}/step2" novalidate>
${control({ id: 'ts-company', name: 'company', label: 'Company' })}
${control({ id: 'ts-email', name: 'contact_email', label: 'Contact email' })}
${control({ id: 'ts-phone', name: 'phone_number', label: 'Phone number', kind: 'tel' })}
${control({ id: 'ts-homepage', name: 'homepage', label: 'Homepage' })}
<p><button type="submit" id="ts-next">Next step</button></p>
</form>`,
    );
  },

  secondPage(dir, carried) {
    const hidden = PAGE_ONE.map((name) => hiddenInput(name, carried[name] ?? '')).join('\n');
    return htmlPage(
      `Step 2 of 2 - ${dir.name}`,
      `<h1>${escapeHtml(dir.name)}</h1>
<h2>Step 2 of 2: location</h2>
<form method="post" action="/d/${dir.slug}/submit" novalidate>
${hidden}
${control({ id: 'ts-street', name: 'street_address', label: 'Street address' })}
${control({ id: 'ts-city', name: 'city', label: 'City' })}
${control({ id: 'ts-region', name: 'region', label: 'State / region' })}
${control({ id: 'ts-postal', name: 'postal_code', label: 'Postal code' })}
${control({ id: 'ts-country', name: 'country', label: 'Country' })}
${control({ id: 'ts-category', name: 'category', label: 'Category', kind: 'select' })}
${control({ id: 'ts-description', name: 'description', label: 'Description', kind: 'textarea' })}
<p><label><input type="checkbox" name="accept_terms" value="yes" required> I agree to the terms</label></p>
<p><button type="submit" id="ts-finish">Submit listing</button></p>
</form>`,
    );
  },

  resultPage(dir, answer) {
    const box = answer.ok ? '<div id="listing-confirmed">' : '<div class="error-box" role="alert">';
    return htmlPage(
      dir.name,
      `<h1>${escapeHtml(dir.name)}</h1>
${box}<p>${escapeHtml(answer.message)}</p></div>`,
    );
  },
};
