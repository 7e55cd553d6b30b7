import { control, escapeHtml, htmlPage } from './html';
import type { LayoutSite } from './site';

export const classicSite: LayoutSite = {
  fieldNames: {
    businessName: 'business_name',
    email: 'email',
    phone: 'phone',
    website: 'website',
    address: 'address',
    city: 'city',
    state: 'state',
    zip: 'zip',
    country: 'country',
    category: 'category',
    description: 'description',
  },
  requiredChecks: [],

  formPage(dir) {
    const c = (name: string, label: string, kind?: 'tel' | 'select' | 'textarea') => control({ id: name, name, label, kind });
    return htmlPage(
      `Add your business - ${dir.name}`,
      `<h1>${escapeHtml(dir.name)}</h1>
<form id="listing" method="post" action="/d/${dir.slug}/submit" novalidate>
${c('business_name', 'Business name')}
${c('email', 'Email')}
${c('phone', 'Phone', 'tel')}
${c('website', 'Website')}
${c('address', 'Address')}
${c('city', 'City')}
${c('state', 'State')}
${c('zip', 'ZIP code')}
${c('country', 'Country')}
${c('category', 'Category', 'select')}
${c('description', 'Description', 'textarea')}
<p><button type="submit">Add my business</button></p>
</form>`,
    );
  },

  resultPage(dir, answer) {
    const alert = answer.ok ? 'alert-success' : 'alert-error';
    return htmlPage(
      dir.name,
      `<h1>${escapeHtml(dir.name)}</h1>
<div class="alert ${alert}" role="alert">${escapeHtml(answer.message)}</div>
<p><a href="/d/${dir.slug}/">Back to the form</a></p>`,
    );
  },
};
