import { adapterSchema, type AdapterInput, type FormAdapterDefinition } from '../directories/definition/adapter.schema';
import { labelPattern, textMatches } from './targets';
import { countryCode, formatValue, isTicked, NEEDS_CREDENTIALS, prepareValues, truncate } from './values';

const CUSTOMER = {
  businessName: 'Blue Door Bakery',
  email: 'hello@bluedoor.example',
  phone: '+1 (512) 555-0100',
  website: 'https://bluedoor.example',
  address: '12 Main Street',
  city: 'Austin',
  state: 'TX',
  zip: '78701',
  country: 'US',
  category: 'Restaurant',
  description: '',
};

const adapterWith = (fields: NonNullable<NonNullable<AdapterInput['steps']>[number]['fields']>) =>
  adapterSchema.parse({
    version: 1,
    steps: [{ fields, advance: { css: '#go' } }],
    success: { selectors: ['.ok'] },
    failure: { selectors: ['.error'] },
  } satisfies AdapterInput) as FormAdapterDefinition;

describe('label matching', () => {
  it.each([
    ['Company name', 'Company name'],
    ['Company name', 'company NAME'],
    ['Company name', '  Company   name  '],
    ['Company name', 'Company name *'],
    ['Company name', 'Company name*'],
    ['Company name', 'Company name (required)'],
    ['Company name', 'Company name:'],
    ['Company name', 'Company name: *'],
    ['Company name *', 'Company name'],
    ['E-mail (a.b)', 'e-mail (A.B) *'],
  ])('%j matches %j', (wanted, actual) => {
    expect(textMatches(wanted, actual)).toBe(true);
  });

  it.each([
    ['Name', 'Company name'],
    ['Company name', 'Company name or trading name'],
    ['Company name', 'Company'],
    ['Company name', 'Company name **'],
    ['.', 'a'],
  ])('%j does not match %j', (wanted, actual) => {
    expect(textMatches(wanted, actual)).toBe(false);
  });

  it('exact: true matches case and all, only trimmed', () => {
    expect(textMatches('Company name', ' Company name ', true)).toBe(true);
    expect(textMatches('Company name', 'company name', true)).toBe(false);
    expect(textMatches('Company name', 'Company name *', true)).toBe(false);
  });

  it('is a pattern Playwright can use', () => {
    expect(labelPattern('How did you hear about us?').test('How did you hear about us? *')).toBe(true);
  });
});

describe('values', () => {
  it('takes a customer field, a constant or a template', () => {
    const prepared = prepareValues(
      adapterWith([
        { field: 'city', target: { css: '#a' } },
        { const: 'Other', target: { css: '#b' } },
        { template: '{address}, {city} {zip}', target: { css: '#c' } },
      ]),
      CUSTOMER,
    );
    expect(prepared).toEqual({ ok: true, notes: [], login: [], steps: [[{ skip: false, value: 'Austin' }, { skip: false, value: 'Other' }, { skip: false, value: '12 Main Street, Austin 78701' }]] });
  });

  it('fails before the site is touched when a required value is missing, naming every missing field', () => {
    const adapter = adapterWith([
      { field: 'description', target: { css: '#a' } },
      { template: '{city} {description}', target: { css: '#b' } },
      { field: 'phone', target: { css: '#c' } },
    ]);
    expect(prepareValues(adapter, CUSTOMER)).toEqual({ ok: false, message: 'customer has no description' });
    expect(prepareValues(adapter, { ...CUSTOMER, phone: ' ' })).toEqual({ ok: false, message: 'customer has no description, phone' });
  });

  it("puts the path of the customer's logo file into an upload, and fails before the site is touched when a required one is missing", () => {
    const adapter = adapterWith([{ field: 'logo', kind: 'upload', target: { css: '#a' } }]);
    expect(prepareValues(adapter, { ...CUSTOMER, logo: '/artifacts/logos/c.png' })).toEqual({ ok: true, notes: [], login: [], steps: [[{ skip: false, value: '/artifacts/logos/c.png' }]] });
    expect(prepareValues(adapter, { ...CUSTOMER, logo: '' })).toEqual({ ok: false, message: 'customer has no logo' });
    expect(prepareValues(adapterWith([{ field: 'logo', kind: 'upload', target: { css: '#a' }, optional: true }]), CUSTOMER)).toEqual({ ok: true, notes: [], login: [], steps: [[{ skip: true }]] });
  });

  it('skips an optional value the customer lacks', () => {
    const prepared = prepareValues(adapterWith([{ field: 'description', target: { css: '#a' }, optional: true }, { template: 'About: {description}', target: { css: '#b' }, optional: true }]), CUSTOMER);
    expect(prepared).toEqual({ ok: true, notes: [], login: [], steps: [[{ skip: true }, { skip: true }]] });
  });

  it("trims to the definition's maxLength and notes it", () => {
    const prepared = prepareValues(adapterWith([{ field: 'businessName', target: { css: '#a' }, maxLength: 9 }]), CUSTOMER);
    expect(prepared).toEqual({ ok: true, login: [], notes: ['businessName trimmed from 16 to 9 characters'], steps: [[{ skip: false, value: 'Blue Door' }]] });
  });

  it('never cuts a surrogate pair in half', () => {
    expect(truncate('ab😀cd', 3)).toBe('ab');
    expect(truncate('ab😀cd', 4)).toBe('ab😀');
    expect(truncate('abc', 5)).toBe('abc');
  });

  it('formats phones', () => {
    expect(formatValue('digits', '+1 (512) 555-0100')).toEqual({ value: '15125550100' });
    expect(formatValue('e164', '+1 (512) 555-0100')).toEqual({ value: '+15125550100' });
    expect(formatValue('e164', '0044 20 7946 0958')).toEqual({ value: '+442079460958' });
    expect(formatValue('e164', '(512) 555-0100')).toMatchObject({ problem: expect.stringMatching(/no country code/) });
  });

  it('writes countries as ISO codes or English names, whichever way the customer wrote them', () => {
    expect(formatValue('iso2', 'us')).toEqual({ value: 'US' });
    expect(formatValue('iso2', 'Germany')).toEqual({ value: 'DE' });
    expect(formatValue('iso2', 'United States of America')).toEqual({ value: 'US' });
    expect(formatValue('name', 'US')).toEqual({ value: 'United States' });
    expect(formatValue('name', ' united  kingdom ')).toEqual({ value: 'United Kingdom' });
    expect(formatValue('name', 'Narnia')).toMatchObject({ problem: expect.stringMatching(/Narnia/) });
    expect(countryCode('EU')).toBeUndefined();
  });

  it('refuses a format problem before the site is touched', () => {
    const prepared = prepareValues(adapterWith([{ field: 'country', target: { css: '#a' }, format: 'name' }]), { ...CUSTOMER, country: 'Atlantis' });
    expect(prepared).toMatchObject({ ok: false, message: expect.stringMatching(/country "Atlantis"/) });
  });

  it('reads a check value as ticked unless it says no', () => {
    for (const v of ['yes', 'true', '1', 'on', 'x', 'Restaurant']) expect([v, isTicked(v)]).toEqual([v, true]);
    for (const v of ['', ' ', 'no', 'NO', 'false', 'off', '0', 'n']) expect([v, isTicked(v)]).toEqual([v, false]);
  });
});

describe('sign-in values', () => {
  const withLogin = adapterSchema.parse({
    version: 1,
    login: {
      steps: [
        {
          fields: [
            { credential: 'username', target: { css: '#u' } },
            { credential: 'password', target: { css: '#p' } },
          ],
          advance: { css: '#in' },
        },
      ],
    },
    steps: [{ fields: [{ field: 'city', target: { css: '#a' } }], advance: { css: '#go' } }],
    success: { selectors: ['.ok'] },
    failure: { selectors: ['.error'] },
  } satisfies AdapterInput) as FormAdapterDefinition;

  it('gives the login steps the stored values, and the form steps the customer\'s', () => {
    expect(prepareValues(withLogin, CUSTOMER, { username: 'owner', password: 's3cret' })).toEqual({
      ok: true,
      notes: [],
      login: [[{ skip: false, value: 'owner' }, { skip: false, value: 's3cret' }]],
      steps: [[{ skip: false, value: 'Austin' }]],
    });
  });

  it('fails before the site is touched without stored credentials, or without a value the login names, never quoting one', () => {
    expect(prepareValues(withLogin, CUSTOMER)).toEqual({ ok: false, message: NEEDS_CREDENTIALS });
    const partial = prepareValues(withLogin, CUSTOMER, { username: 'owner-not-quoted' });
    expect(partial).toEqual({ ok: false, message: "the directory's stored credentials have no password: store them with PUT /api/v1/directories/:id/credentials" });
  });
});
