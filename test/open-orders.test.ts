import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * MAX_OPEN_ORDERS_PER_ACCOUNT: an account's keys may have that many unfinished orders at once, and
 * no more however many requests arrive together. Real API, PostgreSQL and Redis.
 */
const LIMIT = 3;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiInProcess({ MAX_OPEN_ORDERS_PER_ACCOUNT: String(LIMIT), OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '1000000' });
});
afterAll(() => h?.close());

const call = (key: string) => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${key}`);

/** A key of a new account, and a customer of that account. */
async function account(name: string) {
  const { token } = await createApiKey(h.db.dataSource.manager, { name: `${name} app`, scopes: ['jobs:read', 'jobs:write'], account: name });
  const customerId = (await call(token).post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id as string;
  return { key: token, customerId };
}

const order = (key: string, customerId: string) => call(key).post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001'] });

const openOrders = async (customerId: string) =>
  (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE customer_id = $1 AND status NOT IN ('completed', 'cancelled')`, [customerId]))[0].n;

it('refuses the order past the limit with 429 saying the limit and how many are open, and writes nothing', async () => {
  const acme = await account('limited-acme');
  for (let i = 0; i < LIMIT; i++) await order(acme.key, acme.customerId).expect(201);
  const jobs = async () => (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM jobs`))[0].n;
  const before = await jobs();

  const refused = await order(acme.key, acme.customerId);
  expect(refused.status).toBe(429);
  expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(refused.body.type).toBe('/problems/open-orders-limit');
  expect(refused.body.detail).toBe(
    `This account has ${LIMIT} open orders (awaiting approval, queued, running or paused) and may have at most ${LIMIT} at once. Retry when one has finished, or cancel one.`,
  );
  expect(await jobs()).toBe(before);

  // Another account is not held up; a finished order frees a place.
  const globex = await account('limited-globex');
  await order(globex.key, globex.customerId).expect(201);
  const [first] = (await call(acme.key).get('/api/v1/jobs?limit=1').expect(200)).body.items;
  await call(acme.key).post(`/api/v1/jobs/${first.id}/cancel`).expect(200);
  await order(acme.key, acme.customerId).expect(201);
  await order(acme.key, acme.customerId).expect(429);
});

it('admin keys are exempt, and what they order for an account counts against it', async () => {
  const initech = await account('limited-initech');
  for (let i = 0; i < LIMIT + 1; i++) await order(h.adminKey, initech.customerId).expect(201);
  expect(await openOrders(initech.customerId)).toBe(LIMIT + 1);
  const refused = await order(initech.key, initech.customerId).expect(429);
  expect(refused.body.detail).toMatch(new RegExp(`has ${LIMIT + 1} open orders .* at most ${LIMIT} at once`));
});

it('holds under concurrent creation: of 12 requests at once, exactly the limit are created', async () => {
  const hooli = await account('limited-hooli');
  const responses = await Promise.all(Array.from({ length: 12 }, () => order(hooli.key, hooli.customerId)));
  const statuses = responses.map((r) => r.status).sort();
  expect(statuses).toEqual([...Array(LIMIT).fill(201), ...Array(12 - LIMIT).fill(429)]);
  expect(await openOrders(hooli.customerId)).toBe(LIMIT);
});

it('holds when every request began before the others committed: each counts what was committed once it held the account', async () => {
  // A statement's own snapshot is taken when it starts. Holding the account's row makes every
  // request start its statement and wait, so a count on that snapshot would let all of them in.
  const cyberdyne = await account('limited-cyberdyne');
  const [{ account_id: accountId }] = await h.db.dataSource.query(`SELECT account_id FROM customers WHERE id = $1`, [cyberdyne.customerId]);
  const holder = h.db.dataSource.createQueryRunner();
  await holder.startTransaction();
  const requests = 8; // within the API's pool of connections, so all of them reach PostgreSQL
  try {
    await holder.query(`SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, [accountId]);
    const responses = Promise.all(Array.from({ length: requests }, () => order(cyberdyne.key, cyberdyne.customerId).then((r) => r.status)));
    await waitFor(`${requests} requests waiting for the account's lock`, async () => {
      const [{ waiting }] = await h.db.dataSource.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return waiting >= requests;
    }, { timeoutMs: 60_000 });
    await holder.commitTransaction();
    expect((await responses).sort()).toEqual([...Array(LIMIT).fill(201), ...Array(requests - LIMIT).fill(429)]);
  } finally {
    if (holder.isTransactionActive) await holder.rollbackTransaction();
    await holder.release();
  }
  expect(await openOrders(cyberdyne.customerId)).toBe(LIMIT);
});

it('still answers a replay of an order made before the limit was reached', async () => {
  const umbrella = await account('limited-umbrella');
  const body = { customerId: umbrella.customerId, directoryIds: ['sandbox-0002'] };
  const first = await call(umbrella.key).post('/api/v1/jobs').set('idempotency-key', 'before-the-limit').send(body).expect(201);
  for (let i = 1; i < LIMIT; i++) await order(umbrella.key, umbrella.customerId).expect(201);
  await order(umbrella.key, umbrella.customerId).expect(429);
  const replay = await call(umbrella.key).post('/api/v1/jobs').set('idempotency-key', 'before-the-limit').send(body).expect(201);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.body.id).toBe(first.body.id);
});

it('counts a retry that reopens a finished order: refused at the limit, let through once one is cancelled', async () => {
  const wayne = await account('limited-wayne');
  const finished = (await order(wayne.key, wayne.customerId).expect(201)).body.id as string;
  // The order ran and its one directory failed (as a worker leaves it).
  await h.db.dataSource.query(`UPDATE job_results SET status = 'failed', error_message = 'refused', finished_at = now() WHERE job_id = $1`, [finished]);
  await h.db.dataSource.query(`UPDATE jobs SET status = 'completed', failed = 1, completed_at = now() WHERE id = $1`, [finished]);
  const open: string[] = [];
  for (let i = 0; i < LIMIT; i++) open.push((await order(wayne.key, wayne.customerId).expect(201)).body.id);

  const refused = await call(wayne.key).post(`/api/v1/jobs/${finished}/retry`).expect(429);
  expect(refused.body).toMatchObject({ type: '/problems/open-orders-limit' });
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect((await call(wayne.key).get(`/api/v1/jobs/${finished}`).expect(200)).body).toMatchObject({ status: 'completed', progress: { failed: 1 } });
  expect(await openOrders(wayne.customerId)).toBe(LIMIT);

  await call(wayne.key).post(`/api/v1/jobs/${open[0]}/cancel`).expect(200);
  expect((await call(wayne.key).post(`/api/v1/jobs/${finished}/retry`).expect(200)).body).toMatchObject({ status: 'queued' });
  expect(await openOrders(wayne.customerId)).toBe(LIMIT);
});

it('counts only under READ COMMITTED: elsewhere its count after the lock would not see the lock holder\'s order', async () => {
  const stark = await account('limited-stark');
  const [{ account_id: accountId }] = await h.db.dataSource.query(`SELECT account_id FROM customers WHERE id = $1`, [stark.customerId]);
  const count = (isolation: 'READ COMMITTED' | 'REPEATABLE READ') =>
    h.db.dataSource.transaction(isolation, (m) => m.query(`SELECT lock_account_count_open_orders($1, NULL, ARRAY['queued']) AS open`, [accountId]));
  await expect(count('READ COMMITTED')).resolves.toEqual([{ open: 0 }]);
  await expect(count('REPEATABLE READ')).rejects.toThrow(/needs READ COMMITTED, not repeatable read/);
});
