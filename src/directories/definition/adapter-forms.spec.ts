import { checkDirectory } from './directory.schema';

/** The form parts of the adapter language: targets, values and step actions. */
const withStep = (step: unknown) =>
  checkDirectory({
    id: 'forms',
    name: 'Forms',
    submitUrl: 'https://forms.example/add',
    adapter: { version: 1, steps: [step], success: { selectors: ['.ok'] }, failure: { selectors: ['.no'] } },
  });
const fieldsOf = (r: ReturnType<typeof checkDirectory>) => (r.ok ? [] : r.errors.map((e) => e.field));

it('accepts every kind of target, each optionally inside an iframe', () => {
  const targets = [
    { css: '#a' },
    { label: 'Company name', exact: true },
    { placeholder: 'Your e-mail' },
    { role: 'button', name: 'Send' },
    { role: 'textbox' },
    { testId: 'phone' },
    { label: 'Town', frame: 'iframe#listing' },
  ];
  for (const target of targets) expect([target, withStep({ fields: [{ field: 'city', target }], advance: target }).ok]).toEqual([target, true]);
  expect(fieldsOf(withStep({ fields: [{ field: 'city', target: { testId: 'x', exact: true } }], advance: { role: 'wheel' } }))).toEqual([
    'adapter.steps[0].fields[0].target',
    'adapter.steps[0].advance',
  ]);
});

it('takes a value from exactly one of field, const and template, and knows the template fields', () => {
  const ok = withStep({
    fields: [
      { const: 'Other', target: { css: '#a' }, kind: 'select-text' },
      { template: '{address}, {city} {zip}', target: { css: '#b' }, maxLength: 80 },
      { field: 'phone', format: 'e164', target: { css: '#c' }, optional: true },
      { field: 'country', format: 'name', target: { css: '#d' }, kind: 'radio' },
      { const: 'yes', target: { css: '#e' }, kind: 'check' },
      { const: '2026-01-31', target: { css: '#f' }, kind: 'date' },
    ],
    press: 'Enter',
  });
  expect(ok.ok).toBe(true);
  const bad = withStep({
    fields: [
      { target: { css: '#a' } },
      { field: 'city', const: 'x', target: { css: '#b' } },
      { template: '{address} {fax}', target: { css: '#c' } },
      { field: 'city', format: 'e164', target: { css: '#d' } },
      { field: 'city', target: { css: '#e' }, kind: 'drag', maxLength: 0 },
    ],
    advance: { css: '#go' },
  });
  expect(bad.ok ? [] : bad.errors).toEqual([
    { field: 'adapter.steps[0].fields[0]', messages: ['give exactly one of field, const, template or (in login steps) credential (found none)'] },
    { field: 'adapter.steps[0].fields[1]', messages: ['give exactly one of field, const, template or (in login steps) credential (found field and const)'] },
    { field: 'adapter.steps[0].fields[2].template', messages: [expect.stringContaining('unknown customer field(s) {fax}')] },
    { field: 'adapter.steps[0].fields[3].format', messages: ['format e164 applies to field: phone'] },
    { field: 'adapter.steps[0].fields[4].kind', messages: [expect.stringContaining('kind must be fill')] },
    { field: 'adapter.steps[0].fields[4].maxLength', messages: [expect.stringContaining('maxLength must be')] },
  ]);
});

it("takes the customer's logo only as an upload, and an upload only of the logo, naming the key to fix", () => {
  expect(withStep({ fields: [{ field: 'logo', kind: 'upload', target: { label: 'Logo' } }, { field: 'logo', kind: 'upload', target: { css: '#b' }, optional: true }], advance: { css: '#go' } }).ok).toBe(true);
  const bad = withStep({
    fields: [
      { field: 'logo', target: { css: '#a' } },
      { field: 'logo', kind: 'check', target: { css: '#b' } },
      { field: 'website', kind: 'upload', target: { css: '#c' } },
      { const: '/etc/passwd', kind: 'upload', target: { css: '#d' } },
      { template: '{logo}', target: { css: '#e' } },
      { field: 'logo', kind: 'upload', maxLength: 10, target: { css: '#f' } },
    ],
    advance: { css: '#go' },
  });
  expect(bad.ok ? [] : bad.errors).toEqual([
    { field: 'adapter.steps[0].fields[0].kind', messages: ['field: logo is a file: give it kind: upload'] },
    { field: 'adapter.steps[0].fields[1].kind', messages: ['field: logo is a file: give it kind: upload'] },
    { field: 'adapter.steps[0].fields[2].field', messages: [expect.stringContaining('its value is field: logo')] },
    { field: 'adapter.steps[0].fields[3].field', messages: [expect.stringContaining('its value is field: logo')] },
    { field: 'adapter.steps[0].fields[4].template', messages: [expect.stringContaining('unknown customer field(s) {logo}')] },
    { field: 'adapter.steps[0].fields[5].maxLength', messages: ['maxLength applies to text, not to an upload'] },
  ]);
});

it('a step advances by a button or a key, dismisses and clicks targets first', () => {
  expect(withStep({ dismiss: [{ role: 'button', name: 'Accept all' }], click: [{ role: 'tab', name: 'Add listing' }], fields: [{ field: 'city', target: { css: '#a' } }], advance: { css: '#go' } }).ok).toBe(true);
  expect(fieldsOf(withStep({ fields: [{ field: 'city', target: { css: '#a' } }] }))).toEqual(['adapter.steps[0].advance']);
  expect(fieldsOf(withStep({ fields: [{ field: 'city', target: { css: '#a' } }], advance: { css: '#go' }, press: 'Enter' }))).toEqual(['adapter.steps[0].press']);
  expect(fieldsOf(withStep({ press: 'Enter; rm' }))).toEqual(['adapter.steps[0].press']);
});
