import request from 'supertest';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { waitFor } from '../harness/wait';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiInProcess({ REQUIRE_APPROVAL: 'true', OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000' });
});
afterAll(() => h?.close());

it('holds new orders until staff approve them, then queues them', async () => {
  const http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  const customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
  const job = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001', 'sandbox-0002'] }).expect(201)).body;
  expect(job.status).toBe('awaiting_approval');
  // Nothing for the relay to send: no outbox entry (so it cannot be queued, however long we wait),
  // and nothing on the queue.
  const outbox = await h.db.dataSource.query(`SELECT id FROM outbox WHERE job_id = $1`, [job.id]);
  expect(outbox).toEqual([]);
  expect(await h.queue.queue.getJobCountByTypes('prioritized', 'waiting')).toBe(0);

  await http.post(`/api/v1/jobs/${job.id}/pause`).expect(409);
  const approved = await http.post(`/api/v1/jobs/${job.id}/approve`).expect(200);
  expect(approved.body.status).toBe('queued');
  await waitFor('the approved order on the queue', async () => (await h.queue.queue.getJobCountByTypes('prioritized')) === 2);
  const events = await h.db.dataSource.query(`SELECT type FROM job_events WHERE job_id = $1 ORDER BY id`, [job.id]);
  expect(events.map((e: { type: string }) => e.type)).toEqual(['created', 'approved']);
});
