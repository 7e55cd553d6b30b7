import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { PROBLEM_KINDS, PROBLEM_TYPE_URIS, PROBLEM_TYPES } from '../src/common/problem-types';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * The API is typed for generated clients: the OpenAPI document gives every operation a typed
 * success answer and its error answers as one Problem schema, and every problem+json carries a
 * `type` from the one list of kinds, served at that URI. Checked on the document and on real
 * answers of every status the API gives, from the API and the staff tools.
 */
let h: ApiHarness;
let origin: string;
let http: ReturnType<typeof request.agent>;
let customerId: string;
const ADMIN = { email: 'ops@openapi.example', password: 'openapi admin password' };

interface Operation {
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
  parameters?: Array<{ name: string; in: string }>;
}
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  maxLength?: number;
  items?: Schema;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
}
let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

beforeAll(async () => {
  // Few refused keys before 429, so the test reaches it in a handful of requests.
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', AUTH_FAILURES_PER_MINUTE: '5' });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  await h.app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
  doc = (await request(h.app.getHttpServer()).get('/docs-json').expect(200)).body;
});
afterAll(() => h?.close());

/**
 * Checks a problem answer: its kind, and (for an operation in the OpenAPI document, by its route
 * template) that the document lists this status with this kind for the operation.
 */
function problem(method: string, route: string, res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, kind: string) {
  expect([res.status, res.headers['content-type']]).toEqual([status, expect.stringMatching(/^application\/problem\+json/)]);
  expect(res.body).toMatchObject({ type: `/problems/${kind}`, status, title: expect.any(String), detail: expect.any(String) });
  expect(PROBLEM_TYPE_URIS).toContain(res.body.type);
  if (route.startsWith('/dashboard') || route.startsWith('/staff')) return; // staff tools are not in the API's document
  const documented = doc.paths[route]?.[method.toLowerCase()]?.responses[String(status)];
  expect([method, route, status, documented?.description?.includes(`\`${res.body.type}\``)]).toEqual([method, route, status, true]);
}

/** fetch's answer in supertest's shape. */
async function fetched(url: string, init: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? '' }, body: await res.json() };
}

describe('problem types', () => {
  it('lists every kind once, each served at its type URI with the status and title answers use', async () => {
    const list = (await request(h.app.getHttpServer()).get('/problems').expect(200)).body.items;
    expect(list.map((p: { type: string }) => p.type)).toEqual(PROBLEM_TYPE_URIS);
    expect(new Set(PROBLEM_TYPE_URIS).size).toBe(PROBLEM_KINDS.length);
    for (const kind of PROBLEM_KINDS) {
      const served = (await request(h.app.getHttpServer()).get(`/problems/${kind}`).expect(200)).body;
      expect(served).toEqual({ type: `/problems/${kind}`, kind, ...PROBLEM_TYPES[kind] });
    }
    problem('GET', '/problems/{kind}', await request(h.app.getHttpServer()).get('/problems/no-such-kind'), 404, 'not-found');
  });

  it('types the API\'s 400s: invalid fields, unreadable bodies, bytes that are not UTF-8', async () => {
    problem('POST', '/api/v1/customers', await http.post('/api/v1/customers').send({ ...CUSTOMER, email: 'nope' }), 400, 'validation');
    problem('GET', '/api/v1/jobs', await http.get('/api/v1/jobs?status=lost'), 400, 'validation');
    problem('POST', '/api/v1/jobs', await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001'] }).set('idempotency-key', 'a key with spaces'), 400, 'validation');
    // body-parser's refusal was answered by Nest as a bare "Bad Request".
    problem('POST', '/api/v1/customers', await http.post('/api/v1/customers').set('content-type', 'application/json').send('{"businessName": '), 400, 'malformed-body');
    problem('POST', '/api/v1/jobs', await http.post('/api/v1/jobs').set('content-type', 'application/json').send('[]'), 400, 'malformed-body');
    const latin1 = Buffer.concat([Buffer.from('{"businessName":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const headers = { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' };
    problem('POST', '/api/v1/customers', await fetched(`${origin}/api/v1/customers`, { method: 'POST', headers, body: latin1 }), 400, 'invalid-text');
  });

  it('types 401, 403 and 429 from the API key guard', async () => {
    problem('GET', '/api/v1/jobs', await request(h.app.getHttpServer()).get('/api/v1/jobs'), 401, 'unauthorized');
    const { token: reader } = await createApiKey(h.db.dataSource.manager, { name: 'reader', scopes: ['jobs:read'], account: 'openapi' });
    problem('POST', '/api/v1/customers', await request(h.app.getHttpServer()).post('/api/v1/customers').set('authorization', `Bearer ${reader}`).send(CUSTOMER), 403, 'forbidden');
    let res: request.Response | undefined;
    for (let i = 0; i < 10 && res?.status !== 429; i++) res = await request(h.app.getHttpServer()).get('/api/v1/jobs').set('authorization', `Bearer bl_live_${'f'.repeat(16)}_${'C'.repeat(43)}`);
    problem('GET', '/api/v1/jobs', res as request.Response, 429, 'rate-limited');
    expect(Number((res as request.Response).headers['retry-after'])).toBeGreaterThan(0);
  });

  it('types 404, 409, 413, 415 and 422', async () => {
    problem('GET', '/api/v1/jobs/{id}', await http.get('/api/v1/jobs/00000000-0000-4000-8000-000000000000'), 404, 'not-found');
    problem('GET', '/api/v1/customers/{id}', await http.get('/api/v1/customers/not-an-id'), 404, 'not-found');
    const job = (await http.post('/api/v1/jobs').set('idempotency-key', 'openapi-order').send({ customerId, directoryIds: ['sandbox-0001'] }).expect(201)).body;
    problem('POST', '/api/v1/jobs/{id}/{action}', await http.post(`/api/v1/jobs/${job.id}/resume`), 409, 'conflict');
    problem('POST', '/api/v1/jobs', await http.post('/api/v1/jobs').set('idempotency-key', 'openapi-order').send({ customerId, directoryIds: ['sandbox-0002'] }), 422, 'idempotency-key-reused');
    problem('POST', '/api/v1/jobs', await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['no-such-directory'] }), 422, 'unprocessable');
    problem('POST', '/api/v1/customers', await http.post('/api/v1/customers').set('content-type', 'application/json').send(JSON.stringify({ ...CUSTOMER, description: 'x'.repeat(1_100_000) })), 413, 'payload-too-large');
    problem('POST', '/api/v1/customers', await http.post('/api/v1/customers').set('content-type', 'text/plain').send('businessName=x'), 415, 'unsupported-media-type');
  });

  it('types the staff tools\' refusals: no session, no CSRF token, a form the parser refuses', async () => {
    const stranger = request(h.app.getHttpServer());
    problem('POST', '/dashboard/orders/bulk', await stranger.post('/dashboard/orders/bulk').type('form').send({ action: 'pause' }), 401, 'unauthorized');
    problem('POST', '/staff/login', await stranger.post('/staff/login').type('form').send(ADMIN), 403, 'csrf');
    const a = request.agent(h.app.getHttpServer());
    const csrfOf = async (path: string) => /name="_csrf" value="([^"]+)"/.exec((await a.get(path)).text)?.[1] as string;
    // The token first: the agent takes its cookies when a request is made, not when it is sent.
    const loginCsrf = await csrfOf('/staff/login');
    await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: loginCsrf }).expect(303);
    const csrf = await csrfOf('/dashboard/new-order');
    // Was answered 503 "cannot reach their database": the staff mounts took every error for that.
    const many = Array.from({ length: 1100 }, (_, i) => `f${i}=1`).join('&');
    problem('POST', '/dashboard/new-order', await a.post('/dashboard/new-order').type('form').send(`${many}&_csrf=${encodeURIComponent(csrf)}`), 413, 'payload-too-large');
  });
});

/** The schema a `$ref` names. */
const resolve = (schema: Schema): Schema => (schema.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema);

/** Every property of an object schema, nested ones included, has a type (or is a reference to one that has). */
function expectTyped(schema: Schema, where: string, seen = new Set<Schema>()): void {
  const s = resolve(schema);
  expect([where, s !== undefined]).toEqual([where, true]);
  if (seen.has(s)) return;
  seen.add(s);
  expect([where, Boolean(s.type || s.allOf)]).toEqual([where, true]);
  if (s.type === 'array') expectTyped(s.items as Schema, `${where}[]`, seen);
  for (const [name, property] of Object.entries(s.properties ?? {})) expectTyped(property, `${where}.${name}`, seen);
}

describe('OpenAPI document', () => {
  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op })));

  it('gives every operation a typed success answer', () => {
    expect(operations().length).toBeGreaterThanOrEqual(18);
    for (const { name, op } of operations()) {
      let success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      // "Nothing now" beside an answer (a lease call when no work is due): the 204 carries nothing.
      if (success.length === 2 && success.includes('204') && success.includes('200')) {
        expect([name, op.responses['204'].content]).toEqual([name, undefined]);
        success = ['200'];
      }
      expect([name, success.length]).toEqual([name, 1]);
      const answer = op.responses[success[0]];
      if (success[0] === '204') {
        expect([name, answer.content]).toEqual([name, undefined]);
        continue;
      }
      const media = Object.keys(answer.content ?? {});
      if (media.length > 1 && media.every((m) => m.startsWith('image/'))) {
        // A customer's logo: the file itself, in the type it was stored as.
        for (const m of media) expect([name, m, answer.content?.[m].schema]).toEqual([name, m, { type: 'string', format: 'binary' }]);
        continue;
      }
      expect([name, media.length]).toEqual([name, 1]);
      if (media[0] === 'text/event-stream') {
        expect([name, answer.content?.[media[0]].schema.type]).toEqual([name, 'string']);
        continue;
      }
      if (media[0] === 'image/png') {
        // A result's screenshot: the file itself.
        expect([name, answer.content?.[media[0]].schema]).toEqual([name, { type: 'string', format: 'binary' }]);
        continue;
      }
      expect([name, media[0]]).toEqual([name, 'application/json']);
      const schema = answer.content?.['application/json'].schema as Schema;
      // A named schema with properties, each of them typed: a generator makes a class of it.
      expect([name, schema.$ref]).toEqual([name, expect.stringMatching(/^#\/components\/schemas\//)]);
      expect([name, Object.keys(resolve(schema).properties ?? {}).length > 0]).toEqual([name, true]);
      expectTyped(schema, name);
    }
  });

  it('documents every operation\'s error answers as the Problem schema', () => {
    const problemSchema = doc.components.schemas.Problem;
    expect(problemSchema.required?.sort()).toEqual(['detail', 'status', 'title', 'type']);
    expectTyped({ $ref: '#/components/schemas/Problem' }, 'Problem');
    for (const { name, path, op } of operations()) {
      const errors = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      // What any request may meet: text that cannot be stored, the rate limit, the database away.
      expect([name, ['400', '429', '500', '503'].filter((s) => !errors.includes(s))]).toEqual([name, []]);
      if (path.startsWith('/api/v1/') && !path.startsWith('/api/v1/health')) expect([name, errors.includes('401') && errors.includes('403')]).toEqual([name, true]);
      if (path.includes('{')) expect([name, errors.includes('404')]).toEqual([name, true]);
      for (const status of errors) {
        expect([name, status, op.responses[status].content]).toEqual([name, status, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }]);
        // Each error answer names the kinds it may carry, and those are the kinds of its status.
        const kinds = PROBLEM_KINDS.filter((k) => PROBLEM_TYPES[k].status === Number(status));
        expect([name, status, kinds.every((k) => op.responses[status].description?.includes(`\`/problems/${k}\``))]).toEqual([name, status, true]);
      }
    }
  });

  it('bounds every text field of every request body', () => {
    const bodies = ['CreateCustomerDto', 'CreateJobDto', 'CreateKeyDto'];
    for (const body of bodies) {
      for (const [field, property] of Object.entries(doc.components.schemas[body].properties ?? {})) {
        const text = property.type === 'array' ? (property.items as Schema) : property;
        if (text.type !== 'string') continue;
        const bounded = text.maxLength !== undefined || text.enum !== undefined || text.format === 'uuid' || text.format === 'date-time';
        expect([body, field, bounded]).toEqual([body, field, true]);
      }
    }
  });
});
