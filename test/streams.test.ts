import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { waitFor } from '../harness/wait';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { TEST_REDIS_URL } from './support/queue';
import { openStream, TestStream } from './support/sse';
import { signIn } from './support/staff-sign-in';

/**
 * Event streams are bounded and end with their holder's access: caps per API key and per client
 * address counted over API replicas, the rate limit on the event-token path, and streams ended on
 * one replica by a revocation made on another. Two API replicas in this process share PostgreSQL
 * and Redis, as deployed ones do.
 *
 * STREAM_RECHECK_MS is an hour here, so any stream that ends within a test's deadline was ended by
 * the notice the revocation sent, not by the periodic check (test/streams-backstop.test.ts).
 */
const PER_KEY = 2;
const PER_ADDRESS = 3;
const RATE_LIMIT = 20;
let h: ApiHarness;
let replica: INestApplication;
let a: string;
let b: string;
let redis: IORedis;
const prefix = () => process.env.QUEUE_PREFIX as string;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  h = await startApiInProcess({
    // Replicas share it, as deployed ones must: each accepts the other's event tokens and staff cookies.
    SESSION_SECRET: 'streams test secret, shared by both replicas',
    MAX_STREAMS_PER_KEY: String(PER_KEY),
    MAX_STREAMS_PER_ADDRESS: String(PER_ADDRESS),
    STREAM_RECHECK_MS: '3600000',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    OUTBOX_POLL_MS: '100',
    RECONCILE_INTERVAL_MS: '3600000',
  });
  replica = await h.replica();
  const listen = async (app: INestApplication) => {
    await app.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  };
  a = await listen(h.app);
  b = await listen(replica);
  redis = new IORedis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

/**
 * A key of `account` and an order it may watch, made with another key of the account, so that
 * each test's key starts with its whole rate-limit allowance.
 */
async function keyWithOrder(account: string) {
  const make = (name: string) => createApiKey(h.db.dataSource.manager, { name, scopes: ['jobs:read', 'jobs:write'], account });
  const maker = request.agent(h.app.getHttpServer()).set(bearer((await make(`${account} maker`)).token));
  const customerId = (await maker.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
  const jobId = (await maker.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001'] }).expect(201)).body.id as string;
  const watcher = await make(`${account} watcher`);
  return { key: watcher.token, keyId: watcher.key.id, jobId };
}

const feed = (origin: string, jobId: string, key: string) => openStream(`${origin}/api/v1/jobs/${jobId}/events`, bearer(key));
async function tokenFeed(origin: string, jobId: string, key: string) {
  const res = await fetch(`${origin}/api/v1/jobs/${jobId}/events/token`, { method: 'POST', headers: bearer(key) });
  expect(res.status).toBe(201);
  const { url } = (await res.json()) as { url: string };
  return { url: `${origin}${url}`, stream: await openStream(`${origin}${url}`) };
}

/** Streams counted in Redis for one bucket (`key:<id>` or `address:<ip>`), or for all of this file's. */
async function slotsHeld(bucket?: string): Promise<number> {
  const keys = bucket ? [`${prefix()}:streams:${bucket}`] : await redis.keys(`${prefix()}:streams:*`);
  let n = 0;
  for (const k of keys) n += await redis.zcount(k, Date.now(), '+inf');
  return n;
}

/** Closes streams and waits until their slots are given back, so the next test starts from none. */
async function closeAll(...streams: TestStream[]) {
  streams.forEach((s) => s.close());
  await waitFor('every stream slot to be given back', async () => (await slotsHeld()) === 0, { timeoutMs: DEADLINE.event });
}

function expectTooMany(s: TestStream, detail: RegExp) {
  expect(s.status).toBe(429);
  expect(s.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(s.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(s.problem).toMatchObject({ type: '/problems/stream-limit' });
  expect(s.problem?.detail).toMatch(detail);
}

describe('caps on open streams', () => {
  it('a key may hold MAX_STREAMS_PER_KEY over all replicas, by header or token; one more is 429 until one closes', async () => {
    const k = await keyWithOrder('streams-per-key');
    // Slots a dead replica left behind stop counting once their lease has run out.
    await redis.zadd(`${prefix()}:streams:key:${k.keyId}`, Date.now() - 60_000, 'ghost-1', Date.now() - 60_000, 'ghost-2');
    const first = await feed(a, k.jobId, k.key);
    const second = (await tokenFeed(b, k.jobId, k.key)).stream;
    expect([first.status, second.status]).toEqual([200, 200]);
    expectTooMany(await feed(a, k.jobId, k.key), new RegExp(`^This API key has ${PER_KEY} event streams open, the most it may have at once`));
    expectTooMany((await tokenFeed(b, k.jobId, k.key)).stream, /^This API key has/);

    first.close();
    await waitFor('the closed stream to give its slot back', async () => (await slotsHeld(`key:${k.keyId}`)) === PER_KEY - 1, { timeoutMs: DEADLINE.event });
    const third = await feed(b, k.jobId, k.key);
    expect(third.status).toBe(200);
    await closeAll(second, third);
  });

  it('a client address may hold MAX_STREAMS_PER_ADDRESS whatever the keys', async () => {
    const k1 = await keyWithOrder('streams-per-address');
    const k2 = await keyWithOrder('streams-per-address');
    const open = [await feed(a, k1.jobId, k1.key), await feed(b, k1.jobId, k1.key), await feed(a, k2.jobId, k2.key)];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    expectTooMany(await feed(b, k2.jobId, k2.key), new RegExp(`^This client address has ${PER_ADDRESS} event streams open`));
    await closeAll(...open);
  });
});

it("event-token requests count against their key's rate limit", async () => {
  const k = await keyWithOrder('streams-throttled');
  const first = await tokenFeed(a, k.jobId, k.key);
  expect(first.stream.status).toBe(200);
  await closeAll(first.stream);
  // The token and the stream were 2 requests of the key; spend the rest of its minute's allowance.
  for (let i = 2; i < RATE_LIMIT; i++) await request(h.app.getHttpServer()).get('/api/v1/jobs').set(bearer(k.key)).expect(200);
  const refused = await openStream(first.url);
  expect(refused.status).toBe(429);
  expect(await slotsHeld(`key:${k.keyId}`)).toBe(0);
});

describe('revocation', () => {
  it('a key revoked on one replica ends its streams on another, header and token alike, and they do not reopen', async () => {
    const k = await keyWithOrder('streams-revoked');
    const byHeader = await feed(a, k.jobId, k.key);
    const byToken = await tokenFeed(a, k.jobId, k.key);
    await waitFor('both streams to catch up', async () => byHeader.of('job').length > 0 && byToken.stream.of('job').length > 0, { timeoutMs: DEADLINE.event });

    await request(replica.getHttpServer()).delete(`/api/v1/keys/${k.keyId}`).set(bearer(h.adminKey)).expect(204);
    await waitFor('both streams to end', async () => byHeader.ended && byToken.stream.ended, { timeoutMs: DEADLINE.event });
    for (const s of [byHeader, byToken.stream]) expect(s.of('end')).toEqual([{ reason: 'The API key of this stream has been revoked or has expired.' }]);

    // What an EventSource does next: reconnect. Refused, by header and by the still unexpired token.
    expect((await feed(a, k.jobId, k.key)).status).toBe(401);
    expect((await openStream(byToken.url)).status).toBe(401);
    await closeAll();
  });

  it('a key revoked with the keys command ends its streams too', async () => {
    const k = await keyWithOrder('streams-revoked-cli');
    const s = await feed(b, k.jobId, k.key);
    expect(s.status).toBe(200);
    await promisify(execFile)('node', [join(__dirname, '..', 'dist', 'src', 'auth', 'keys.cli.js'), 'revoke', k.keyId], { env: process.env });
    await waitFor('the stream to end', async () => s.ended, { timeoutMs: DEADLINE.event });
    expect(s.of('end')).toHaveLength(1);
    await closeAll();
  });

  it("a staff member who signs out on one replica loses that sign-in's live feed on another at once", async () => {
    const member = { email: 'signing-out@streams.example', password: 'a staff password for streams' };
    await createStaff(h.db.dataSource.manager, member.email, member.password, 'viewer');
    const cookie = await signIn(a, member);
    const s = await openStream(`${b}/dashboard/live`, { cookie });
    expect(s.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${a}/dashboard`, { headers: { cookie } })).text())?.[1] as string;
    const out = await fetch(`${a}/staff/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    // STREAM_RECHECK_MS is an hour here: only the sign-out's notice can end it within the deadline.
    await waitFor('the live feed to end', async () => s.ended, { timeoutMs: DEADLINE.event });
    expect(s.of('end')).toEqual([{ reason: 'Your staff sign-in has ended; sign in again.' }]);
  });

  it("a staff member disabled with the staff command loses the dashboard's live feed", async () => {
    const member = { email: 'leaving@streams.example', password: 'a staff password for streams' };
    await createStaff(h.db.dataSource.manager, member.email, member.password, 'viewer');
    const cookie = await signIn(a, member);
    const s = await openStream(`${b}/dashboard/live`, { cookie });
    expect(s.status).toBe(200);
    await promisify(execFile)('node', [join(__dirname, '..', 'dist', 'src', 'auth', 'staff.cli.js'), 'disable', '--email', member.email], { env: process.env });
    await waitFor('the live feed to end', async () => s.ended, { timeoutMs: DEADLINE.event });
    expect(s.of('end')).toEqual([{ reason: 'Your staff sign-in has ended; sign in again.' }]);
    expect((await openStream(`${b}/dashboard/live`, { cookie })).status).toBe(401);
  });
});

it('a replica that stops ends its streams without an end event, so clients reconnect elsewhere', async () => {
  const k = await keyWithOrder('streams-shutdown');
  const leaving = await h.replica();
  await leaving.listen(0, '127.0.0.1');
  const s = await feed(`http://127.0.0.1:${(leaving.getHttpServer().address() as AddressInfo).port}`, k.jobId, k.key);
  await waitFor('the stream to catch up', async () => s.of('job').length > 0, { timeoutMs: DEADLINE.event });
  await h.stopReplica(leaving);
  await waitFor('the stream to end', async () => s.ended, { timeoutMs: DEADLINE.event });
  // `end` would tell the client its access is gone: an EventSource (the dashboard) would stop for good.
  expect(s.of('end')).toEqual([]);
  const again = await feed(a, k.jobId, k.key);
  expect(again.status).toBe(200);
  await closeAll(again);
});
