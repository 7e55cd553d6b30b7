import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createStaff } from '../src/auth/staff.service';
import { CUSTOMER_LIMITS } from '../src/customers/customer-limits';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * Text that PostgreSQL cannot store exactly (a lone UTF-16 surrogate, a NUL, bytes that are not
 * UTF-8) is refused with 400 naming the field, wherever it comes in: JSON bodies, query strings,
 * path parameters, headers, the staff sign-in and the dashboard's forms. Nothing is written.
 */
let h: ApiHarness;
let origin: string;
let customerId: string;
const ADMIN = { email: 'ops@text-input.example', password: 'text input admin password' };

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '1000000' });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  await h.app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  customerId = (await request(h.app.getHttpServer()).post('/api/v1/customers').set('authorization', `Bearer ${h.adminKey}`).send(CUSTOMER).expect(201)).body.id;
});
afterAll(() => h?.close());

const counts = async () =>
  (await h.db.dataSource.query(
    `SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM jobs) AS jobs,
            (SELECT count(*)::int FROM api_keys) AS keys, (SELECT count(*)::int FROM audit_log) AS audit`,
  ))[0];

/**
 * Sends `raw` JSON text as it is: a lone surrogate can only be written as a `\ud800` escape, which
 * JSON.parse turns into the lone surrogate the API then sees.
 */
const postJson = (path: string, raw: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json', ...headers }, body: raw });
const get = (path: string) => fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${h.adminKey}` } });

/** A 400 `invalid-text` problem naming exactly `fields`, in an answer that is itself well-formed. */
async function expectRefused(res: Response, fields: string[]) {
  expect([res.status, res.headers.get('content-type')]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
  const echoed: string[] = [];
  const body = JSON.parse(await res.text(), (key, value) => {
    for (const s of [key, value]) if (typeof s === 'string' && /[\u0000\uD800-\uDFFF]/u.test(s)) echoed.push(s);
    return value;
  });
  expect(echoed).toEqual([]);
  expect(body.type).toBe('/problems/invalid-text');
  expect(body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
  return body;
}

describe('JSON bodies', () => {
  it('refuses a lone surrogate in a business name with 400 naming the field, and stores nothing', async () => {
    const before = await counts();
    const raw = JSON.stringify({ ...CUSTOMER, businessName: 'Lone \\ud800 Co' }).replace('\\\\ud800', '\\ud800');
    expect(raw).toContain('"Lone \\ud800 Co"');
    const body = await expectRefused(await postJson('/customers', raw), ['businessName']);
    expect(body.errors[0].messages[0]).toMatch(/lone UTF-16 surrogate \(U\+D800\) at offset 5/);
    expect(await counts()).toEqual(before);
  });

  it('refuses lone surrogates and NULs in any text field of any body, by their path', async () => {
    const before = await counts();
    await expectRefused(await postJson('/customers', JSON.stringify({ ...CUSTOMER, city: 'Aus\u0000tin', description: 'low \\udc00 high \\ud83d' }).replace(/\\\\ud/g, '\\ud')), ['city', 'description']);
    await expectRefused(await postJson('/jobs', JSON.stringify({ customerId, directoryIds: ['sandbox-0001', 'sandbox-\\ud800'] }).replace('\\\\ud', '\\ud')), ['directoryIds.1']);
    // A NUL in a key's name made PostgreSQL refuse the insert: a 500.
    await expectRefused(await postJson('/keys', JSON.stringify({ name: 'nul \u0000 key', scopes: ['admin'] })), ['name']);
    // Field names too; echoed escaped, so the answer itself is well-formed.
    await expectRefused(await postJson('/keys', '{"name": "x", "scopes": ["admin"], "\\ud800": 1}'), ['\\ud800']);
    expect(await counts()).toEqual(before);
    // Surrogate pairs are whole characters and are stored as sent.
    const paired = await postJson('/customers', JSON.stringify({ ...CUSTOMER, businessName: 'Pair \ud83c\udf5e Co' }));
    expect(paired.status).toBe(201);
    const [row] = await h.db.dataSource.query(`SELECT business_name FROM customers WHERE id = $1`, [(await paired.json()).id]);
    expect(row.business_name).toBe('Pair 🍞 Co');
  });
});

describe('query strings, path parameters and headers', () => {
  it('refuses a NUL or bytes that are not UTF-8 in a query string, naming the parameter', async () => {
    // A NUL reached PostgreSQL, which refused it: a 500.
    await expectRefused(await get('/api/v1/audit?actor=a%00b'), ['actor']);
    // Not UTF-8: Node's query parser made it U+FFFD and the filter looked for something else.
    await expectRefused(await get('/api/v1/audit?action=job.canc%E9l&limit=5'), ['action']);
    // An encoded surrogate is not UTF-8 either.
    await expectRefused(await get('/api/v1/audit?actor=%ED%A0%80'), ['actor']);
    expect((await get('/api/v1/audit?actor=caf%C3%A9')).status).toBe(200);
  });

  it('refuses a NUL in a path parameter with 400 naming it, rather than looking it up', async () => {
    await expectRefused(await get('/api/v1/jobs/%00'), ['id']);
    await expectRefused(await get('/api/v1/customers/abc%00'), ['id']);
    await expectRefused(await fetch(`${origin}/api/v1/keys/%00`, { method: 'DELETE', headers: { authorization: `Bearer ${h.adminKey}` } }), ['id']);
    // A path that is not UTF-8 is refused before routing (Express answered a bare "Failed to decode param").
    await expectRefused(await get('/api/v1/jobs/%E9'), ['path']);
  });

  it('refuses an Idempotency-Key that is not visible ASCII, naming the header', async () => {
    const before = await counts();
    const res = await postJson('/jobs', JSON.stringify({ customerId, directoryIds: ['sandbox-0001'] }), { 'idempotency-key': 'caf\u00e9' });
    expect(res.status).toBe(400);
    expect((await res.json()).errors.map((e: { field: string }) => e.field)).toEqual(['Idempotency-Key']);
    expect((await counts()).jobs).toBe(before.jobs);
  });
});

describe('limits a directory form can take', () => {
  it('refuses a business name longer than the limit and takes one exactly as long', async () => {
    const max = CUSTOMER_LIMITS.businessName.max;
    const res = await postJson('/customers', JSON.stringify({ ...CUSTOMER, businessName: 'x'.repeat(max + 1) }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.type).toBe('/problems/validation');
    expect(body.errors).toEqual([{ field: 'businessName', messages: [`businessName must be shorter than or equal to ${max} characters`] }]);
    expect((await postJson('/customers', JSON.stringify({ ...CUSTOMER, businessName: 'x'.repeat(max) }))).status).toBe(201);
  });

  it('refuses each customer field past its limit, naming it', async () => {
    const tooLong: Record<string, string> = {
      address: 'a'.repeat(CUSTOMER_LIMITS.address.max + 1),
      city: 'a'.repeat(CUSTOMER_LIMITS.city.max + 1),
      state: 'a'.repeat(CUSTOMER_LIMITS.state.max + 1),
      zip: '1'.repeat(CUSTOMER_LIMITS.zip.max + 1),
      country: 'a'.repeat(CUSTOMER_LIMITS.country.max + 1),
      category: 'a'.repeat(CUSTOMER_LIMITS.category.max + 1),
      description: 'a'.repeat(CUSTOMER_LIMITS.description.max + 1),
      website: `https://example.com/${'a'.repeat(CUSTOMER_LIMITS.website.max)}`,
      email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`,
    };
    const res = await postJson('/customers', JSON.stringify({ ...CUSTOMER, ...tooLong }));
    expect(res.status).toBe(400);
    expect((await res.json()).errors.map((e: { field: string }) => e.field).sort()).toEqual(Object.keys(tooLong).sort());
  });

  it('documents every customer field\'s limits in the OpenAPI schema', async () => {
    const doc = (await request(h.app.getHttpServer()).get('/docs-json').expect(200)).body;
    const properties = doc.components.schemas.CreateCustomerDto.properties;
    expect(Object.keys(properties).sort()).toEqual(Object.keys(CUSTOMER_LIMITS).sort());
    for (const [field, { min, max }] of Object.entries(CUSTOMER_LIMITS)) {
      expect([field, properties[field].minLength, properties[field].maxLength]).toEqual([field, min, max]);
    }
  });
});

describe('staff sign-in and the dashboard', () => {
  /** A staff agent with the CSRF token of `path` (signed in unless `signIn` is false). */
  async function staff(signIn = true) {
    const a = request.agent(h.app.getHttpServer());
    const csrfOf = async (path: string) => /name="_csrf" value="([^"]+)"/.exec((await a.get(path)).text)?.[1] as string;
    const loginCsrf = await csrfOf('/staff/login');
    if (!signIn) return { a, csrf: loginCsrf };
    await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: loginCsrf }).expect(303);
    return { a, csrf: await csrfOf('/dashboard/new-order') };
  }
  const form = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('&');
  const expectFormRefused = (res: request.Response, fields: string[]) => {
    expect([res.status, res.headers['content-type']]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
    expect(res.body.type).toBe('/problems/invalid-text');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
  };

  it('refuses a sign-in whose email holds a NUL or bytes that are not UTF-8, naming the field', async () => {
    const before = await counts();
    const { a, csrf } = await staff(false);
    // The NUL reached PostgreSQL: a 500. The byte E9 was kept as the text "%E9" and audited so.
    expectFormRefused(await a.post('/staff/login').type('form').send(form({ email: 'ops%00@text-input.example', password: 'x', _csrf: encodeURIComponent(csrf) })), ['email']);
    expectFormRefused(await a.post('/staff/login').type('form').send(form({ email: 'ops%E9@text-input.example', password: 'x', _csrf: encodeURIComponent(csrf) })), ['email']);
    expect(await counts()).toEqual(before);
  });

  it('refuses a new-order form holding text that is not UTF-8, and creates nothing', async () => {
    const { a, csrf } = await staff();
    const before = await counts();
    const fields = Object.fromEntries(Object.entries(CUSTOMER).map(([k, v]) => [k, encodeURIComponent(v)]));
    const res = await a
      .post('/dashboard/new-order')
      .type('form')
      .send(form({ ...fields, businessName: 'Caf%E9', _csrf: encodeURIComponent(csrf), source: 'package', packageSize: '50', priority: '3' }));
    expectFormRefused(res, ['businessName']);
    expect(await counts()).toEqual(before);
  });

  it('refuses a NUL in a dashboard query, form or path with 400 naming it', async () => {
    const { a, csrf } = await staff();
    // The audit page's filter reached PostgreSQL: a 500.
    expectFormRefused(await a.get('/dashboard/audit?actor=a%00b'), ['actor']);
    expectFormRefused(await a.post('/dashboard/review/1%00').type('form').send(form({ decision: 'failed', _csrf: encodeURIComponent(csrf) })), ['id']);
    expectFormRefused(await a.post('/dashboard/orders/bulk').type('form').send(form({ action: 'pause', ids: '%00', _csrf: encodeURIComponent(csrf) })), ['ids']);
  });
});
