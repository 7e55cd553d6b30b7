import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { openStream, TestStream } from './support/sse';
import { signIn } from './support/staff-sign-in';

/**
 * The periodic recheck of event stream holders (STREAM_RECHECK_MS, 1 s here): what no notice
 * announces still ends a stream. Changes are made in SQL behind the API's back, as an operator,
 * an expiry or a notice lost while Redis was away would leave them.
 */
let h: ApiHarness;
let origin: string;

beforeAll(async () => {
  h = await startApiInProcess({ STREAM_RECHECK_MS: '1000', OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '1000000' });
  await h.app.listen(0, '127.0.0.1');
  origin = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
});
afterAll(() => h?.close());

/** A key of a new account, watching an order of that account. */
async function watcher(account: string) {
  const { token, key } = await createApiKey(h.db.dataSource.manager, { name: `${account} watcher`, scopes: ['jobs:read', 'jobs:write'], account });
  const api = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${token}`);
  const customerId = (await api.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
  const jobId = (await api.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001'] }).expect(201)).body.id;
  const stream = await openStream(`${origin}/api/v1/jobs/${jobId}/events`, { authorization: `Bearer ${token}` });
  expect(stream.status).toBe(200);
  return { keyId: key.id, stream };
}

const ends = (s: TestStream, what: string) => waitFor(what, async () => s.ended, { timeoutMs: DEADLINE.event });

it('a key revoked in SQL, with no notice sent, loses its streams at the next check', async () => {
  const w = await watcher('backstop-revoked');
  await h.db.dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [w.keyId]);
  await ends(w.stream, 'the revoked key’s stream to end');
  expect(w.stream.of('end')).toEqual([{ reason: 'The API key of this stream has been revoked or has expired.' }]);
});

it('a key that expires, or is moved to another account, loses its streams too', async () => {
  const expiring = await watcher('backstop-expiring');
  const moved = await watcher('backstop-moved');
  const [{ id: elsewhere }] = await h.db.dataSource.query(`INSERT INTO accounts (name) VALUES ('backstop-elsewhere') RETURNING id`);
  await h.db.dataSource.query(`UPDATE api_keys SET expires_at = now() WHERE id = $1`, [expiring.keyId]);
  await h.db.dataSource.query(`UPDATE api_keys SET account_id = $2 WHERE id = $1`, [moved.keyId, elsewhere]);
  await ends(expiring.stream, 'the expired key’s stream to end');
  await ends(moved.stream, 'the moved key’s stream to end');
  expect(expiring.stream.of('end')).toEqual([{ reason: 'The API key of this stream has been revoked or has expired.' }]);
  expect(moved.stream.of('end')).toEqual([{ reason: "The API key's access has changed; open the stream again." }]);
});

it("a staff member who signs out, or is disabled in SQL, loses the dashboard's live feed", async () => {
  const members = [
    { email: 'signs-out@backstop.example', password: 'a password for the backstop' },
    { email: 'disabled@backstop.example', password: 'another password for it' },
  ];
  for (const m of members) await createStaff(h.db.dataSource.manager, m.email, m.password, 'viewer');
  const [leaving, disabled] = await Promise.all(members.map(async (m) => ({ cookie: await signIn(origin, m), m })));
  const feeds = await Promise.all([leaving, disabled].map((s) => openStream(`${origin}/dashboard/live`, { cookie: s.cookie })));
  expect(feeds.map((f) => f.status)).toEqual([200, 200]);

  // Signing out on another tab: the dashboard's own form, with its CSRF token.
  const page = await (await fetch(`${origin}/dashboard/orders`, { headers: { cookie: leaving.cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] as string;
  const out = await fetch(`${origin}/staff/logout`, {
    method: 'POST',
    headers: { cookie: leaving.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf }).toString(),
    redirect: 'manual',
  });
  expect(out.status).toBe(303);
  await h.db.dataSource.query(`UPDATE staff_users SET disabled_at = now() WHERE email = $1`, [disabled.m.email]);

  for (const f of feeds) await ends(f, 'the live feed to end');
  for (const f of feeds) expect(f.of('end')).toEqual([{ reason: 'Your staff sign-in has ended; sign in again.' }]);
});
