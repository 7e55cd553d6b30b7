import type { CustomerField } from '../src/customers/customer-fields';
import { LAYOUT_NAMES, type LayoutName } from '../src/sandbox/adapters';
import { SANDBOX_DIRECTORY_COUNT, sandboxCatalogue, type SandboxDirectory } from '../src/sandbox/catalogue';
import { layoutOf, type Behaviour } from '../src/sandbox/behaviour';
import { escapeHtml } from '../src/sandbox/pages/html';
import { SITES } from '../src/sandbox/pages';
import { startSandbox, type SandboxHandle } from '../src/sandbox/sandbox-server';
import { directoryOf, UNICODE_CUSTOMER } from './support/sandbox-fixtures';

const SLOW_MS = 250;

const customer = UNICODE_CUSTOMER;

let sandbox: SandboxHandle;
let catalogue: SandboxDirectory[];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, slowMs: SLOW_MS });
  catalogue = sandboxCatalogue(sandbox.url);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  expect((await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
});

function directory(layout: LayoutName, behaviour: Behaviour = 'normal'): SandboxDirectory {
  return directoryOf(catalogue, layout, behaviour);
}

/** The fields a browser would send on the final step: every customer field plus the ticked boxes. */
function finalFields(layout: LayoutName, values: Partial<Record<CustomerField, string>>): Record<string, string> {
  const site = SITES[layout];
  const fields = Object.fromEntries(Object.entries(values).map(([f, v]) => [site.fieldNames[f as CustomerField], v]));
  for (const check of site.requiredChecks) fields[check.name] = 'yes';
  return fields;
}

function postFinal(entry: SandboxDirectory, fields: Record<string, string>): Promise<Response> {
  if (layoutOf(entry.position) === 'spa') {
    return fetch(new URL('api/listings', entry.submitUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
  }
  return postForm(new URL('submit', entry.submitUrl), fields);
}

function postForm(url: URL, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
}

async function listed(entry: SandboxDirectory, website: string): Promise<boolean> {
  const res = await fetch(`${entry.submitUrl}listed?website=${encodeURIComponent(website)}`);
  return ((await res.json()) as { listed: boolean }).listed;
}

test('health', async () => {
  expect(await (await fetch(`${sandbox.url}/_sandbox/health`)).json()).toEqual({ ok: true });
});

test('the catalogue has 520 distinct directories and every submitUrl serves a form', async () => {
  expect(catalogue).toHaveLength(SANDBOX_DIRECTORY_COUNT);
  expect(new Set(catalogue.map((e) => e.id)).size).toBe(520);
  expect(catalogue[0]).toMatchObject({ id: 'sandbox-0001', position: 1, enabled: true, submitUrl: `${sandbox.url}/d/sandbox-0001/` });
  const statuses = await Promise.all(catalogue.map(async (e) => (await fetch(e.submitUrl)).status));
  expect(statuses.every((s) => s === 200)).toBe(true);
});

const MARKERS: Record<LayoutName, string[]> = {
  classic: ['name="business_name"', '<select id="category"', '<textarea id="description"'],
  'two-step': ['/step2"', 'name="homepage"'],
  labelled: ['name="f11"', '<label for="q37x">Company name</label>'],
  spa: ['/api/listings', 'setTimeout(render, 300)', '<div id="result"'],
  wizard: ['id="wz-step2" hidden', 'id="wz-continue"', 'id="wz-owner"'],
};

test.each(LAYOUT_NAMES)('%s form page', async (layout) => {
  const res = await fetch(directory(layout).submitUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await res.text();
  expect(html).toContain('<meta charset="utf-8">');
  for (const marker of MARKERS[layout]) expect(html).toContain(marker);
});

test('unknown directories and routes a layout lacks are 404s', async () => {
  for (const slug of ['sandbox-0000', 'sandbox-0521', 'sandbox-1', 'nope']) {
    expect((await fetch(`${sandbox.url}/d/${slug}/`)).status).toBe(404);
    expect((await postForm(new URL(`${sandbox.url}/d/${slug}/submit`), {})).status).toBe(404);
  }
  expect((await postForm(new URL('submit', directory('spa').submitUrl), {})).status).toBe(404);
  expect((await postForm(new URL('step2', directory('classic').submitUrl), {})).status).toBe(404);
});

describe.each(LAYOUT_NAMES)('%s final POST', (layout) => {
  test('records exactly what was sent, then refuses and records a duplicate', async () => {
    const entry = directory(layout);
    const fields = finalFields(layout, customer);
    expect(await listed(entry, customer.website)).toBe(false);

    const first = await postFinal(entry, fields);
    expect(first.status).toBe(200);
    // HTML answers echo the name escaped; the spa's JSON is put in the page with textContent.
    if (layout !== 'spa') expect(await first.text()).toContain(escapeHtml(customer.businessName));
    expect(sandbox.received()).toEqual([
      { slug: entry.id, position: entry.position, website: customer.website, businessName: customer.businessName, fields, outcome: 'accepted', at: expect.any(String) },
    ]);
    expect(await listed(entry, customer.website)).toBe(true);

    const again = await postFinal(entry, fields);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('This business is already listed');
    expect(sandbox.received().map((s) => s.outcome)).toEqual(['accepted', 'already_listed']);
  });

  test('refuses and records an invalid email', async () => {
    const entry = directory(layout);
    const res = await postFinal(entry, finalFields(layout, { ...customer, email: 'not-an-email' }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Email address is invalid');
    expect(sandbox.received().map((s) => s.outcome)).toEqual(['rejected']);
    expect(await listed(entry, customer.website)).toBe(false);
  });
});

test('validation names the missing field, a bad category and an unticked box', async () => {
  const classic = directory('classic');
  const { city: _city, ...noCity } = customer;
  expect(await (await postFinal(classic, finalFields('classic', noCity))).text()).toContain('City is required');
  expect(await (await postFinal(classic, finalFields('classic', { ...customer, category: 'Spaceport' }))).text()).toContain('Category is invalid');
  const { accept_terms: _terms, ...unticked } = finalFields('two-step', customer);
  expect(await (await postFinal(directory('two-step'), unticked)).text()).toContain('You must agree to the terms');
});

test('two-step page 2 carries page 1 in escaped hidden inputs', async () => {
  const page1 = { company: customer.businessName, contact_email: customer.email, phone_number: customer.phone, homepage: customer.website };
  const res = await postForm(new URL('step2', directory('two-step').submitUrl), page1);
  expect(res.status).toBe(200);
  const html = await res.text();
  for (const [name, value] of Object.entries(page1)) expect(html).toContain(`name="${name}" value="${escapeHtml(value)}"`);
  expect(html).toContain('name="street_address"');
});

test("a form POST's CRLF newlines are recorded as typed (LF)", async () => {
  const entry = directory('classic');
  await postFinal(entry, finalFields('classic', { ...customer, description: 'one\r\ntwo' }));
  expect(sandbox.received()[0].fields.description).toBe('one\ntwo');
});

test.each(['classic', 'spa'] as const)('a flaky %s directory fails the first final POST with an unrecorded 500', async (layout) => {
  const entry = directory(layout, 'flaky');
  const fields = finalFields(layout, customer);
  const first = await postFinal(entry, fields);
  expect(first.status).toBe(500);
  expect(await first.text()).toContain('please try again later');
  expect(sandbox.received()).toEqual([]);
  expect((await postFinal(entry, fields)).status).toBe(200);
  expect(sandbox.received().map((s) => s.outcome)).toEqual(['accepted']);
  // Another website gets its own first failure.
  expect((await postFinal(entry, { ...fields, [SITES[layout].fieldNames.website]: 'https://other.example' })).status).toBe(500);
});

test('an always-listed directory refuses every POST but records it', async () => {
  const entry = directory('wizard', 'always-listed');
  const res = await postFinal(entry, finalFields('wizard', customer));
  expect(res.status).toBe(409);
  expect(await res.text()).toContain('This business is already listed');
  expect(sandbox.received().map((s) => s.outcome)).toEqual(['already_listed']);
  expect(await listed(entry, customer.website)).toBe(false);
});

test('a slow directory answers after slowMs', async () => {
  const entry = directory('labelled', 'slow');
  const started = Date.now();
  expect((await fetch(entry.submitUrl)).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS - 5);
});

test('/listed needs a website', async () => {
  expect((await fetch(`${directory('classic').submitUrl}listed`)).status).toBe(400);
});

test('/_sandbox/submissions counts by slug and reset forgets everything', async () => {
  const a = directory('classic');
  const b = directory('wizard');
  const flaky = directory('classic', 'flaky');
  await postFinal(a, finalFields('classic', customer));
  await postFinal(a, finalFields('classic', customer));
  await postFinal(b, finalFields('wizard', customer));
  await postFinal(flaky, finalFields('classic', customer));
  const snapshot = (await (await fetch(`${sandbox.url}/_sandbox/submissions`)).json()) as { total: number; bySlug: Record<string, number>; submissions: unknown[] };
  expect(snapshot.total).toBe(3);
  expect(snapshot.bySlug).toEqual({ [a.id]: 2, [b.id]: 1 });
  expect(snapshot.submissions).toEqual(sandbox.received());

  await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
  expect(sandbox.received()).toEqual([]);
  expect(await listed(a, customer.website)).toBe(false);
  expect((await postFinal(flaky, finalFields('classic', customer))).status).toBe(500);
});

describe('page faults', () => {
  const put = (slug: string, body: unknown) =>
    fetch(`${sandbox.url}/_sandbox/faults/${slug}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('an error fault answers 500 the given number of times, then the page is back', async () => {
    const entry = directory('classic');
    expect((await put(entry.id, { fault: 'error', on: 'form', times: 2 })).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(entry.submitUrl)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  test('a gone fault is permanent and records nothing on submit', async () => {
    const entry = directory('labelled');
    await put(entry.id, { fault: 'gone', on: 'submit' });
    for (let i = 0; i < 2; i++) expect((await postFinal(entry, finalFields('labelled', customer))).status).toBe(410);
    expect(sandbox.received()).toEqual([]);
  });

  test('a trickled page arrives whole, over the time asked for', async () => {
    const entry = directory('two-step');
    await put(entry.id, { fault: 'trickle', on: 'form', ms: 600 });
    const started = Date.now();
    const html = await (await fetch(entry.submitUrl)).text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(html).toBe(SITES['two-step'].formPage({ slug: entry.id, name: entry.name, position: entry.position, layout: 'two-step', behaviour: 'normal' }));
  });

  test('a hanging page never answers; a crash page carries the crash script', async () => {
    const [a, b] = [directory('wizard'), directory('classic')];
    await put(a.id, { fault: 'hang', on: 'form' });
    await put(b.id, { fault: 'crash', on: 'form' });
    await expect(fetch(a.submitUrl, { signal: AbortSignal.timeout(500) })).rejects.toThrow(/abort|timeout/i);
    expect(await (await fetch(b.submitUrl)).text()).toContain('offsetHeight');
  });

  test('a reset switches faults off; bad fault bodies and unknown directories are refused', async () => {
    const entry = directory('classic');
    await put(entry.id, { fault: 'error', on: 'form' });
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    expect((await fetch(entry.submitUrl)).status).toBe(200);
    const bad = await put(entry.id, { fault: 'explode', on: 'form' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/fault/);
    expect((await put('sandbox-9999', { fault: 'hang', on: 'form' })).status).toBe(404);
  });
});
