import request from 'supertest';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/** X-Request-Id: kept when usable, made when not, said on every answer and kept with the order. */
let h: ApiHarness;
beforeAll(async () => {
  h = await startApiInProcess({ RECONCILE_INTERVAL_MS: '3600000' });
});
afterAll(() => h?.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const api = () => request(h.app.getHttpServer());

it("keeps a client's usable id and answers with it, and keeps it with the order it opens", async () => {
  const customer = await api().post('/api/v1/customers').set('authorization', `Bearer ${h.adminKey}`).send(CUSTOMER).expect(201);
  const id = 'trace-4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7';
  // A traced client's context too: with tracing off (the default), nothing of it is kept.
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await api().post('/api/v1/jobs').set('authorization', `Bearer ${h.adminKey}`).set('x-request-id', id).set('traceparent', traceparent).send({ customerId: customer.body.id, directoryIds: ['sandbox-0001'] }).expect(201);
  expect(res.headers['x-request-id']).toBe(id);
  expect(res.body.requestId).toBe(id);
  const [kept] = await h.db.dataSource.query(`SELECT request_id, trace_parent FROM jobs WHERE id = $1`, [res.body.id]);
  expect(kept).toEqual({ request_id: id, trace_parent: null });
  expect((await api().get(`/api/v1/jobs/${res.body.id}`).set('authorization', `Bearer ${h.adminKey}`).expect(200)).body.requestId).toBe(id);
});

it('makes an id for a request without a usable one, and says it on every answer, refusals included', async () => {
  for (const sent of [undefined, 'has spaces in it', 'x'.repeat(129), 'quote"d', '']) {
    const req = api().get('/api/v1/jobs').set('authorization', `Bearer ${h.adminKey}`);
    const res = await (sent === undefined ? req : req.set('x-request-id', sent)).expect(200);
    expect([sent, res.headers['x-request-id']]).toEqual([sent, expect.stringMatching(UUID)]);
  }
  const unauthorised = await api().get('/api/v1/jobs').set('x-request-id', 'no-key-here').expect(401);
  expect(unauthorised.headers['x-request-id']).toBe('no-key-here');
  const wrongType = await api().post('/api/v1/jobs').set('authorization', `Bearer ${h.adminKey}`).set('content-type', 'text/plain').set('x-request-id', 'not-json').send('hello').expect(415);
  expect(wrongType.headers['x-request-id']).toBe('not-json');
  expect((await api().get('/api/v1/health/live').expect(200)).headers['x-request-id']).toMatch(UUID);
});
