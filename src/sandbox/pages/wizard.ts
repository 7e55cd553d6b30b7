import { control, escapeHtml, htmlPage } from './html';
import type { LayoutSite } from './site';

// "Continue" only swaps fieldsets in place: no navigation, no validation (the server does that).
const SCRIPT = `document.getElementById('wz-continue').addEventListener('click', () => {
  document.getElementById('wz-step1').hidden = true;
  document.getElementById('wz-step2').hidden = false;
});`;

export const wizardSite: LayoutSite = {
  fieldNames: {
    businessName: 'biz_name',
    email: 'biz_email',
    phone: 'biz_phone',
    website: 'biz_site',
    address: 'addr_line',
    city: 'addr_city',
    state: 'addr_state',
    zip: 'addr_zip',
    country: 'addr_country',
    category: 'biz_category',
    description: 'biz_about',
  },
  requiredChecks: [
    { name: 'agree', message: 'You must agree to the terms of listing' },
    { name: 'owner', message: 'You must confirm you are the owner or an authorised representative' },
  ],

  formPage(dir) {
    return htmlPage(
      `Get listed - ${dir.name}`,
      `<h1>${escapeHtml(dir.name)}</h1>
<form method="post" action="/d/${dir.slug}/submit" novalidate>
<fieldset id="wz-step1">
<legend>1. Your business</legend>
${control({ id: 'wz-name', name: 'biz_name', label: 'Business name' })}
${control({ id: 'wz-email', name: 'biz_email', label: 'Email' })}
${control({ id: 'wz-phone', name: 'biz_phone', label: 'Phone', kind: 'tel' })}
${control({ id: 'wz-site', name: 'biz_site', label: 'Website' })}
${control({ id: 'wz-street', name: 'addr_line', label: 'Street address' })}
${control({ id: 'wz-city', name: 'addr_city', label: 'City' })}
${control({ id: 'wz-state', name: 'addr_state', label: 'State' })}
${control({ id: 'wz-zip', name: 'addr_zip', label: 'ZIP' })}
${control({ id: 'wz-country', name: 'addr_country', label: 'Country' })}
<p><button type="button" id="wz-continue">Continue</button></p>
</fieldset>
<fieldset id="wz-step2" hidden>
<legend>2. About it</legend>
${control({ id: 'wz-category', name: 'biz_category', label: 'Category', kind: 'select' })}
${control({ id: 'wz-about', name: 'biz_about', label: 'Tell us about your business', kind: 'textarea' })}
<p><input type="checkbox" id="wz-agree" name="agree" value="1"> <label for="wz-agree">I agree</label></p>
<p><input type="checkbox" id="wz-owner" name="owner" value="1"> <label for="wz-owner">I am the owner or an authorised representative</label></p>
<p><button type="submit" id="wz-submit">Finish</button></p>
</fieldset>
</form>
<script>
${SCRIPT}
</script>`,
    );
  },

  resultPage(dir, answer) {
    const body = answer.ok
      ? `<div class="wizard-done"><h2>All done</h2><p>${escapeHtml(answer.message)}</p></div>`
      : `<ul class="wizard-errors" role="alert"><li>${escapeHtml(answer.message)}</li></ul>`;
    return htmlPage(dir.name, `<h1>${escapeHtml(dir.name)}</h1>\n${body}`);
  },
};
