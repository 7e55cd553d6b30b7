import request from 'supertest';
import { Dispatcher } from '../src/dispatch/dispatcher.service';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * The outbox relay's passes, called directly: its timer is set as far off as the configuration
 * allows, so nothing but the calls here drains the outbox, and a pass that stopped early would
 * leave entries behind for the test to see.
 */
let h: ApiHarness;
let http: ReturnType<typeof request.agent>;
let dispatcher: Dispatcher;
let customerId: string;

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '60000', RECONCILE_INTERVAL_MS: '3600000' });
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  dispatcher = h.app.get(Dispatcher);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
});
afterAll(() => h?.close());

const unsent = async (): Promise<number> => (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n;

/** An order whose own outbox entry the relay has sent (its commit's poke), so no pass is under way. */
async function order(): Promise<string> {
  const { id } = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001', 'sandbox-0002'] }).expect(201)).body;
  await waitFor('the order\'s outbox entry to be sent', async () => ((await unsent()) === 0 ? true : undefined));
  return id;
}

const ask = (jobId: string, times: number) =>
  h.db.dataSource.query(`INSERT INTO outbox (topic, job_id) SELECT 'enqueue_job', $1 FROM generate_series(1, $2)`, [jobId, times]);

describe('a relay pass', () => {
  it('goes on past a full batch until one comes back short, leaving nothing unsent', async () => {
    await ask(await order(), 45);
    expect(await dispatcher.drain()).toBe(45);
    expect(await unsent()).toBe(0);
  });

  it('counts entries, not rows: a full batch for a paused order (nothing to queue) does not end the pass', async () => {
    const paused = await order();
    await http.post(`/api/v1/jobs/${paused}/pause`).expect(200);
    const queued = await order();
    await ask(paused, 20);
    await ask(queued, 1);
    expect(await dispatcher.drain()).toBe(21);
    expect(await unsent()).toBe(0);
    // The queued order's rows are in the queue; the paused order's are not.
    const entries = await h.queue.queue.getJobs(['prioritized', 'waiting']);
    const of = (jobId: string) => entries.filter((e) => e.data.jobId === jobId).length;
    expect([of(queued), of(paused)]).toEqual([2, 0]);
  });
});
