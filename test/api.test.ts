import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CUSTOMER_LIMITS } from '../src/customers/customer-limits';
import { submissionJobId } from '../src/queue/queue.constants';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { waitFor } from '../harness/wait';

let h: ApiHarness;
let http: ReturnType<typeof request.agent>;
let customerId: string;

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000' });
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
});
afterAll(() => h?.close());

const queuedIds = async () => (await h.queue.queue.getJobs(['prioritized', 'waiting', 'delayed', 'active'])).map((j) => j.id).sort();

describe('customers', () => {
  it('creates, reads and pages customers', async () => {
    const got = await http.get(`/api/v1/customers/${customerId}`).expect(200);
    expect(got.body).toMatchObject(CUSTOMER);
    await http.post('/api/v1/customers').send({ ...CUSTOMER, businessName: 'Second' }).expect(201);
    const page1 = await http.get('/api/v1/customers?limit=1').expect(200);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await http.get(`/api/v1/customers?limit=1&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
  });

  it('round-trips unicode byte-exact, up to the longest name allowed', async () => {
    const head = 'Café 🍞 ‏שלום‎ e\u0301 ';
    const name = head + 'x'.repeat(CUSTOMER_LIMITS.businessName.max - [...head].length);
    const res = await http.post('/api/v1/customers').send({ ...CUSTOMER, businessName: name }).expect(201);
    expect((await http.get(`/api/v1/customers/${res.body.id}`)).body.businessName).toBe(name);
  });

  it('names each bad field and writes nothing', async () => {
    const before = (await h.db.dataSource.query('SELECT count(*)::int AS n FROM customers'))[0].n;
    const res = await http.post('/api/v1/customers').send({ ...CUSTOMER, email: 'nope', phone: 12, nickname: 'x' }).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['email', 'nickname', 'phone']);
    expect(res.body.detail).toMatch(/property nickname should not exist/);
    expect((await h.db.dataSource.query('SELECT count(*)::int AS n FROM customers'))[0].n).toBe(before);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    await http.get('/api/v1/customers/9d5b2f9e-7c5e-4a7b-9c1e-000000000000').expect(404);
    await http.get('/api/v1/customers/not-a-uuid').expect(404);
  });

  it('refuses malformed JSON and a bad cursor with 400', async () => {
    const res = await http.post('/api/v1/customers').set('content-type', 'application/json').send('{"businessName": ').expect(400);
    expect(res.body.detail).toMatch(/JSON/);
    await http.get('/api/v1/customers?cursor=garbage').expect(400);
  });
});

describe('directories', () => {
  it('lists the enabled catalogue in package order', async () => {
    const res = await http.get('/api/v1/directories').expect(200);
    expect(res.body.total).toBeGreaterThanOrEqual(500);
    expect(res.body.items[0].id).toBe('sandbox-0001');
  });
});

describe('POST /jobs', () => {
  it('writes the order and its planned results, then the relay queues every directory', async () => {
    const res = await http.post('/api/v1/jobs').send({ customerId, packageSize: 50, priority: 2 }).expect(201);
    expect(res.body).toMatchObject({ status: 'queued', priority: 2, progress: { total: 50, submitted: 0, failed: 0, pending: 50, percent: 0 } });
    const rows: Array<{ id: string; generation: number }> = await h.db.dataSource.query(
      'SELECT id::text, generation FROM job_results WHERE job_id = $1 ORDER BY id',
      [res.body.id],
    );
    expect(rows).toHaveLength(50);
    const expected = rows.map((r) => submissionJobId(r.id, r.generation)).sort();
    await waitFor('the relay to queue 50 submissions', async () => {
      const ids = await queuedIds();
      return expected.every((id) => ids.includes(id));
    });
    const job = await h.queue.queue.getJob(expected[0]);
    expect(job?.opts.priority).toBe(2);
    expect(job?.opts.attempts).toBe(4);
    // The request's id (one the API made: the request sent none) goes with every entry, for the logs.
    expect(res.body.requestId).toEqual(res.headers['x-request-id']);
    expect(job?.data).toEqual({ resultId: expect.any(String), generation: 1, jobId: res.body.id, directoryId: expect.stringMatching(/^sandbox-/), requestId: res.body.requestId });
    // The relay marks its entry sent only after BullMQ took the jobs: it follows, it does not precede.
    await waitFor('the outbox entry to be marked sent', async () => {
      const [outbox] = await h.db.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
      return outbox.n === 0;
    });
  });

  it('relays several orders in one pass in the outbox\'s order, each order\'s rows in order, over several addBulk chunks', async () => {
    const placed: string[] = [];
    for (let i = 0; i < 3; i++) placed.push((await http.post('/api/v1/jobs').send({ customerId, packageSize: 500, priority: 1 }).expect(201)).body.id);
    const queued = async () => (await h.queue.queue.getPrioritized()).filter((j) => placed.includes(j.data.jobId)).map((j) => j.id);
    await waitFor('the relay to queue the three orders', async () => (await queued()).length === 1500);
    // 1,500 entries: the relay adds them 500 at a time, all in flight at once.
    // Taken off the queue, then asked for again in the reverse order, all three in one commit: the
    // relay's next pass sees them together.
    for (const id of await queued()) await h.queue.queue.remove(id!);
    const reversed = [...placed].reverse();
    await h.db.dataSource.transaction(async (m) => {
      for (const id of reversed) await m.query(`INSERT INTO outbox (topic, job_id) VALUES ('enqueue_job', $1)`, [id]);
    });
    const rows: Array<{ id: string; generation: number }> = await h.db.dataSource.query(
      `SELECT id::text, generation FROM job_results WHERE job_id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], job_id), job_results.id`,
      [reversed],
    );
    await waitFor('the relay to queue them again', async () => (await queued()).length === 1500, { describe: async () => `${(await queued()).length} queued` });
    expect(await queued()).toEqual(rows.map((r) => submissionJobId(r.id, r.generation)));
  });

  it('takes an explicit list of directories, its rows in the order given (the queue\'s order)', async () => {
    const given = ['sandbox-0007', 'sandbox-0003', 'sandbox-0005'];
    const res = await http.post('/api/v1/jobs').send({ customerId, directoryIds: given }).expect(201);
    expect(res.body.progress.total).toBe(3);
    expect(res.body.priority).toBe(3);
    const results = await http.get(`/api/v1/jobs/${res.body.id}/results`).expect(200);
    expect(results.body.items.map((r: { directoryId: string }) => r.directoryId).sort()).toEqual([...given].sort());
    const rows = await h.db.dataSource.query(`SELECT directory_id FROM job_results WHERE job_id = $1 ORDER BY id`, [res.body.id]);
    expect(rows.map((r: { directory_id: string }) => r.directory_id)).toEqual(given);
  });

  it.each([
    [{ packageSize: 50, priority: 7 }, 'priority'],
    [{ packageSize: 60 }, 'packageSize'],
    [{ packageSize: '50' }, 'packageSize'],
    [{ packageSize: 50, colour: 'red' }, 'colour'],
    [{ directoryIds: ['Bad Id'] }, 'directoryIds'],
    [{ directoryIds: [] }, 'directoryIds'],
    [{ packageSize: 50, directoryIds: ['sandbox-0001'] }, 'packageSize'],
  ])('answers 400 for %j naming %s', async (body, field) => {
    const before = (await h.db.dataSource.query('SELECT count(*)::int AS n FROM jobs'))[0].n;
    const res = await http.post('/api/v1/jobs').send({ customerId, ...body }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await h.db.dataSource.query('SELECT count(*)::int AS n FROM jobs'))[0].n).toBe(before);
  });

  it('answers the new order as reading it back does, its package rows in the directories\' order', async () => {
    const created = await http.post('/api/v1/jobs').send({ customerId, packageSize: 50 }).expect(201);
    const read = await http.get(`/api/v1/jobs/${created.body.id}`).expect(200);
    expect(created.body).toEqual(read.body);
    const rows = await h.db.dataSource.query(
      `SELECT d.position FROM job_results r JOIN directories d ON d.id = r.directory_id WHERE r.job_id = $1 ORDER BY r.id`,
      [created.body.id],
    );
    const positions = rows.map((r: { position: number }) => r.position);
    expect(positions).toHaveLength(50);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('answers 404 for an unknown customer and 422 for unknown directories', async () => {
    await http.post('/api/v1/jobs').send({ customerId: '9d5b2f9e-7c5e-4a7b-9c1e-000000000000', packageSize: 50 }).expect(404);
    // The customer first, when both are wrong.
    await http.post('/api/v1/jobs').send({ customerId: '9d5b2f9e-7c5e-4a7b-9c1e-000000000000', directoryIds: ['nowhere'] }).expect(404);
    const res = await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001', 'nowhere'] }).expect(422);
    expect(res.body.detail).toMatch(/nowhere/);
  });

  it('answers 422 saying how many directories exist when a package is too big', async () => {
    await h.db.dataSource.query(`UPDATE directories SET enabled = false WHERE position > 120`);
    try {
      const res = await http.post('/api/v1/jobs').send({ customerId, packageSize: 500 }).expect(422);
      expect(res.body.detail).toBe('a 500-directory package needs 500 enabled directories; only 120 exist');
    } finally {
      await h.db.dataSource.query(`UPDATE directories SET enabled = true`);
    }
  });

  it('honours Idempotency-Key: same body replays, another body is refused', async () => {
    const body = { customerId, packageSize: 50 };
    const first = await http.post('/api/v1/jobs').set('Idempotency-Key', 'order-42').send(body).expect(201);
    // Once the order has moved on, a replay still gets the first response, byte for byte.
    await http.post(`/api/v1/jobs/${first.body.id}/pause`).expect(200);
    const again = await http.post('/api/v1/jobs').set('Idempotency-Key', 'order-42').send(body).expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await http.post('/api/v1/jobs').set('Idempotency-Key', 'order-42').send({ ...body, priority: 1 }).expect(422);
    const [n] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = 'order-42'`);
    expect(n.n).toBe(1);
  });

  it('makes one order from 20 concurrent requests with one key; the others replay it or get 409', async () => {
    const body = { customerId, directoryIds: ['sandbox-0010'] };
    const responses = await Promise.all(Array.from({ length: 20 }, () => http.post('/api/v1/jobs').set('Idempotency-Key', 'burst-1').send(body)));
    const created = responses.filter((r) => r.status === 201 && !r.headers['idempotent-replayed']);
    expect(created).toHaveLength(1);
    for (const r of responses) {
      if (r.status === 201) expect(r.body.id).toBe(created[0].body.id);
      else expect([r.status, r.body.detail]).toEqual([409, expect.stringMatching(/still in progress/)]);
    }
    const [n] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = 'burst-1'`);
    expect(n.n).toBe(1);
  });
});

describe('GET /jobs', () => {
  it('filters by status and customer and pages with a cursor', async () => {
    const other = (await http.post('/api/v1/customers').send({ ...CUSTOMER, businessName: 'Other' }).expect(201)).body.id;
    for (let i = 0; i < 3; i++) await http.post('/api/v1/jobs').send({ customerId: other, directoryIds: ['sandbox-0001'] }).expect(201);
    const p1 = await http.get(`/api/v1/jobs?customerId=${other}&limit=2`).expect(200);
    expect(p1.body.items).toHaveLength(2);
    const p2 = await http.get(`/api/v1/jobs?customerId=${other}&limit=2&cursor=${p1.body.nextCursor}`).expect(200);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.nextCursor).toBeNull();
    const queued = await http.get(`/api/v1/jobs?status=queued&customerId=${other}`).expect(200);
    expect(queued.body.items).toHaveLength(3);
    await http.get('/api/v1/jobs?status=bogus').expect(400);
  });
});

describe('job actions', () => {
  const create = async (directoryIds = ['sandbox-0001', 'sandbox-0002', 'sandbox-0003']) =>
    (await http.post('/api/v1/jobs').send({ customerId, directoryIds }).expect(201)).body.id as string;

  it('pauses (taking queued entries off Redis), resumes (queueing them afresh) and cancels', async () => {
    const id = await create();
    await waitFor('3 queued entries', async () => (await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id).length === 3);
    await http.post(`/api/v1/jobs/${id}/pause`).expect(200).expect((r) => expect(r.body.status).toBe('paused'));
    expect((await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id)).toHaveLength(0);
    const conflict = await http.post(`/api/v1/jobs/${id}/pause`).expect(409);
    expect(conflict.body.detail).toMatch(/cannot pause .* it is paused/);
    await http.post(`/api/v1/jobs/${id}/resume`).expect(200).expect((r) => expect(r.body.status).toBe('queued'));
    await waitFor('entries of generation 2', async () =>
      (await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id && j.data.generation === 2).length === 3,
    );
    const cancelled = await http.post(`/api/v1/jobs/${id}/cancel`).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: { cancelled: 3, pending: 0, percent: 100 } });
    const results = await http.get(`/api/v1/jobs/${id}/results`).expect(200);
    expect(results.body.items.every((r: { status: string }) => r.status === 'cancelled')).toBe(true);
    await http.post(`/api/v1/jobs/${id}/resume`).expect(409);
  });

  it('retries only failed directories', async () => {
    const id = await create();
    await http.post(`/api/v1/jobs/${id}/retry`).expect(409).expect((r) => expect(r.body.detail).toMatch(/no failed directories/));
    // Play the workers' part: two directories went through, one failed for good.
    await h.db.dataSource.query(`UPDATE job_results SET status = 'failed' WHERE job_id = $1 AND directory_id = 'sandbox-0002'`, [id]);
    await h.db.dataSource.query(`UPDATE job_results SET status = 'submitted' WHERE job_id = $1 AND directory_id <> 'sandbox-0002'`, [id]);
    await h.db.dataSource.query(`UPDATE jobs SET status = 'completed', submitted = 2, failed = 1 WHERE id = $1`, [id]);
    const res = await http.post(`/api/v1/jobs/${id}/retry`).expect(200);
    expect(res.body).toMatchObject({ status: 'queued', attempts: 2, progress: { submitted: 2, failed: 0, pending: 1 } });
    const rows = await h.db.dataSource.query(`SELECT directory_id, status, generation FROM job_results WHERE job_id = $1 ORDER BY directory_id`, [id]);
    expect(rows).toEqual([
      { directory_id: 'sandbox-0001', status: 'submitted', generation: 1 },
      { directory_id: 'sandbox-0002', status: 'pending', generation: 2 },
      { directory_id: 'sandbox-0003', status: 'submitted', generation: 1 },
    ]);
  });

  it('names the allowed statuses when an action does not fit, and 404s unknown actions', async () => {
    const id = await create(['sandbox-0004']);
    const res = await http.post(`/api/v1/jobs/${id}/approve`).expect(409);
    expect(res.body.detail).toBe(`cannot approve job ${id}: it is queued (approve needs awaiting_approval)`);
    await http.post(`/api/v1/jobs/${id}/launch`).expect(404);
    await http.post('/api/v1/jobs/9d5b2f9e-7c5e-4a7b-9c1e-000000000000/pause').expect(404);
  });
});

describe('reconciler', () => {
  it('puts back on the queue what Redis lost', async () => {
    const id = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0005', 'sandbox-0006'] }).expect(201)).body.id;
    await waitFor('2 queued entries', async () => (await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id).length === 2);
    await h.queue.queue.obliterate({ force: true });
    await h.db.dataSource.query(`UPDATE job_results SET updated_at = now() - interval '1 minute'`);
    const { Reconciler } = await import('../src/dispatch/reconciler.service');
    const reconciler = h.app.get(Reconciler);
    expect(await reconciler.reconcile()).toBeGreaterThanOrEqual(2);
    expect((await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id)).toHaveLength(2);
    expect(await reconciler.reconcile()).toBe(0);
  });

  it('does not reopen a row that a worker finished while the reconciler was looking', async () => {
    const id = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0010'] }).expect(201)).body.id;
    await waitFor('the queued entry', async () => (await h.queue.queue.getJobs(['prioritized'])).some((j) => j.data.jobId === id));
    const [[row]] = await h.db.dataSource.query(`UPDATE job_results SET updated_at = now() - interval '1 minute' WHERE job_id = $1 RETURNING id::text`, [id]);
    const { Reconciler } = await import('../src/dispatch/reconciler.service');
    const { getQueueToken } = await import('@nestjs/bullmq');
    const { SUBMISSION_QUEUE, submissionJobId } = await import('../src/queue/queue.constants');
    const queue = h.app.get<import('bullmq').Queue>(getQueueToken(SUBMISSION_QUEUE));
    // The interleaving a frozen database made likely: the reconciler reads the row while it is
    // open, then the worker commits "submitted" and BullMQ completes the job, then the reconciler
    // asks BullMQ and hears "completed".
    const real = queue.getJobState.bind(queue);
    const spy = jest.spyOn(queue, 'getJobState').mockImplementation(async (jobId: string) => {
      if (jobId !== submissionJobId(row.id, 1)) return real(jobId);
      await h.db.dataSource.query(`UPDATE job_results SET status = 'submitted', finished_at = now() WHERE id = $1`, [row.id]);
      return 'completed';
    });
    try {
      await h.app.get(Reconciler).reconcile();
    } finally {
      spy.mockRestore();
    }
    const [after] = await h.db.dataSource.query(`SELECT status, generation FROM job_results WHERE id = $1`, [row.id]);
    expect(after).toEqual({ status: 'submitted', generation: 1 }); // not reopened as 'retry' to be submitted again
    expect(await h.queue.queue.getJob(submissionJobId(row.id, 2))).toBeUndefined();
  });

  it('drops queue entries that no open row stands behind', async () => {
    const id = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0008', 'sandbox-0009'] }).expect(201)).body.id;
    await waitFor('2 queued entries', async () => (await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id).length === 2);
    // One row finished behind the queue's back, and an entry for a row that never existed.
    await h.db.dataSource.query(`UPDATE job_results SET status = 'submitted' WHERE job_id = $1 AND directory_id = 'sandbox-0008'`, [id]);
    await h.queue.queue.add('submit-listing', { resultId: '999999', generation: 1, jobId: id, directoryId: 'sandbox-0001' }, { jobId: 'r999999-g1', priority: 3 });
    const { Reconciler } = await import('../src/dispatch/reconciler.service');
    expect(await h.app.get(Reconciler).dropOrphans()).toBeGreaterThanOrEqual(2);
    const left = (await h.queue.queue.getJobs(['prioritized'])).filter((j) => j.data.jobId === id).map((j) => j.data.directoryId);
    expect(left).toEqual(['sandbox-0009']);
  });
});

describe('docs', () => {
  it('serves the OpenAPI document', async () => {
    await request(h.app.getHttpServer()).get('/docs-json').expect(200).expect((r) => expect(r.body.paths['/api/v1/jobs']).toBeDefined());
  });
});

describe('hostile bodies', () => {
  it.each([
    ['an array', '[]', /must be a JSON object/],
    ['10,000 nested arrays', '['.repeat(10_000) + ']'.repeat(10_000), /must be a JSON object/],
    ['10,000 nested objects', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), /nested more than 16 levels/],
    ['truncated JSON', '{"customerId": "x', /JSON/],
  ])('refuses %s with a 400 and writes nothing', async (_, raw, detail) => {
    const count = async () => (await h.db.dataSource.query('SELECT count(*)::int AS n FROM jobs'))[0].n;
    const before = await count();
    const res = await http.post('/api/v1/jobs').set('content-type', 'application/json').send(raw).expect(400);
    expect(res.body.detail).toMatch(detail);
    expect(await count()).toBe(before);
  });

  it('refuses a body that is not JSON with 415, and bytes that are not UTF-8 with 400', async () => {
    await http.post('/api/v1/customers').set('content-type', 'text/plain').send('businessName=x').expect(415);
    // Raw bytes over a real socket: supertest would re-encode a Buffer as JSON.
    const latin1 = Buffer.concat([Buffer.from(`{"businessName":"Caf`), Buffer.from([0xe9]), Buffer.from(`"}`)]);
    const server = createServer(h.app.getHttpAdapter().getInstance()).listen(0, '127.0.0.1');
    try {
      await new Promise((r) => server.once('listening', r));
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: latin1,
      });
      expect(res.status).toBe(400);
      expect((await res.json()).detail).toBe('The request body must be UTF-8 encoded JSON.');
    } finally {
      server.close();
    }
  });

  it('refuses NUL characters in text fields', async () => {
    const res = await http.post('/api/v1/customers').send({ ...CUSTOMER, city: 'Aus\u0000tin', description: 'a\u0000b' }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['city', 'description']);
  });

  it('refuses a 2 MB body with 413', async () => {
    await http.post('/api/v1/customers').set('content-type', 'application/json').send(JSON.stringify({ ...CUSTOMER, description: 'x'.repeat(2_000_000) })).expect(413);
  });

  it('names one rule per field', async () => {
    const res = await http.post('/api/v1/jobs').send({ customerId, directoryIds: 'sandbox-0001' }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'directoryIds', messages: [expect.any(String)] }]);
  });
});
