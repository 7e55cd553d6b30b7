import request from 'supertest';
import { Dispatcher } from '../src/dispatch/dispatcher.service';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { parseScrape, samples, total } from './support/prometheus';

/**
 * The API's /metrics against the real stores: what it reads at scrape time (queues, reviews, the
 * relay's lag) agrees with PostgreSQL and Redis, and requests are timed by their route's pattern.
 * The relay runs only when the test calls it (OUTBOX_POLL_MS as far off as allowed).
 */
let h: ApiHarness;
let http: ReturnType<typeof request.agent>;
let customerId: string;

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '60000', RECONCILE_INTERVAL_MS: '3600000' });
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
});
afterAll(() => h?.close());

async function scrape() {
  const res = await request(h.app.getHttpServer()).get('/metrics').expect(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseScrape(res.text);
}

const unsent = async (): Promise<number> => (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n;

it('serves Node\'s own metrics and Boltline\'s at /metrics, outside /api/v1 and without a key', async () => {
  const all = await scrape();
  for (const name of ['nodejs_eventloop_lag_seconds', 'process_cpu_user_seconds_total', 'boltline_outbox_oldest_unsent_seconds', 'boltline_results_needs_review']) {
    expect([name, samples(all, name).length]).toEqual([name, 1]);
  }
  await request(h.app.getHttpServer()).get('/api/v1/metrics').expect(404);
});

it('times requests by the route that answered, never by the path they asked', async () => {
  const missing = '6b0c3c1e-6d57-4d2a-9a51-0f3b1f0d7a11';
  const count = (all: ReturnType<typeof parseScrape>, labels: Record<string, string>) => total(all, 'boltline_http_request_duration_seconds_count', { method: 'GET', status: '404', ...labels });
  let all = await scrape();
  const before = { byId: count(all, { route: '/api/v1/jobs/:id' }), any: count(all, {}) };
  await http.get(`/api/v1/jobs/${missing}`).expect(404);
  await http.get(`/api/v1/jobs/${missing}`).expect(404);
  all = await scrape();
  expect(count(all, { route: '/api/v1/jobs/:id' }) - before.byId).toBe(2);
  // A path no route knows is counted once, under the pattern that turned it away, not under itself.
  const beforeUnknown = count(all, {});
  await http.get('/api/v1/no-such-route').expect(404);
  all = await scrape();
  expect(count(all, {}) - beforeUnknown).toBe(1);
  expect(all.filter((s) => JSON.stringify(s.labels).includes(missing) || JSON.stringify(s.labels).includes('no-such-route'))).toEqual([]);
});

it("reports the relay's lag, the queues by state and the reviews waiting, as the stores hold them", async () => {
  const { id } = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001', 'sandbox-0002', 'sandbox-0003'] }).expect(201)).body;
  // The order's commit woke the relay; once it has sent the entry, an older one is planted.
  await waitFor("the order's outbox entry to be sent", async () => ((await unsent()) === 0 ? true : undefined));
  await h.db.dataSource.query(`INSERT INTO outbox (topic, job_id, created_at) VALUES ('enqueue_job', $1, now() - interval '42 seconds')`, [id]);
  await h.db.dataSource.query(`UPDATE job_results SET status = 'needs_review' WHERE job_id = $1 AND directory_id = 'sandbox-0002'`, [id]);

  let all = await scrape();
  expect(total(all, 'boltline_outbox_oldest_unsent_seconds')).toBeGreaterThanOrEqual(42);
  expect(total(all, 'boltline_results_needs_review')).toBe(1);
  const counts = await h.queue.queue.getJobCounts('prioritized', 'wait');
  expect(total(all, 'boltline_queue_entries', { queue: 'submissions', state: 'prioritized' })).toBe(counts.prioritized);
  expect(total(all, 'boltline_queue_entries', { queue: 'submissions', state: 'prioritized' }) + total(all, 'boltline_queue_entries', { queue: 'submissions', state: 'wait' })).toBe(3);

  await h.app.get(Dispatcher).drain();
  all = await scrape();
  expect(total(all, 'boltline_outbox_oldest_unsent_seconds')).toBe(0);
});
