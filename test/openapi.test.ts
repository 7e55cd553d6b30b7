import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { PROBLEM_KINDS, PROBLEM_TYPE_URIS, PROBLEM_TYPES } from '../src/common/problem-types';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * Error answers are typed: every problem+json carries a `type` from the one list of kinds, served
 * at that URI. Checked on real answers of every status the API gives, from the API and the staff tools.
 */
let h: ApiHarness;
let origin: string;
let http: ReturnType<typeof request.agent>;
let customerId: string;
const ADMIN = { email: 'ops@openapi.example', password: 'openapi admin password' };

/** Every problem answered in this file: its request (route template) and what it said. */
const answered: Array<{ method: string; route: string; status: number; type: string }> = [];

beforeAll(async () => {
  // Few refused keys before 429, so the test reaches it in a handful of requests.
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', AUTH_FAILURES_PER_MINUTE: '5' });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  await h.app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
});
afterAll(() => h?.close());

/** Checks a problem answer and records it under its route template (`{id}` for an id). */
function problem(method: string, route: string, res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, kind: string) {
  expect([res.status, res.headers['content-type']]).toEqual([status, expect.stringMatching(/^application\/problem\+json/)]);
  expect(res.body).toMatchObject({ type: `/problems/${kind}`, status, title: expect.any(String), detail: expect.any(String) });
  expect(PROBLEM_TYPE_URIS).toContain(res.body.type);
  answered.push({ method, route, status, type: res.body.type as string });
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
