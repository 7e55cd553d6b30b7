import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lease } from '../leases/protocol';
import { ApiProblem, ApiUnavailable, LeaseExpired, WorkerApi } from './api-client';

/** What the fake API saw of one request. */
interface Seen {
  method: string;
  url: string;
  auth?: string;
  type?: string;
  body: Buffer;
}

type Answer = (seen: Seen, res: ServerResponse) => void;

let server: Server;
let base: string;
let seen: Seen[];
let answers: Answer[];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], leaseToken: req.headers['x-lease-token'], body: Buffer.concat(chunks) };
      seen.push(s);
      (answers.shift() ?? json(500, { title: 'no answer planted' }))(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((r) => server.close(r)));

beforeEach(() => {
  seen = [];
  answers = [];
});

const json = (status: number, body?: unknown, headers: Record<string, string> = {}): Answer => (_, res) => {
  res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};
const problem = (status: number, kind: string) => json(status, { type: `/problems/${kind}`, title: kind, status, detail: `the ${kind} detail` });

const LEASE = { id: 'l-1', token: 'tok-secret', heartbeatMs: 10_000 } as Lease;
const api = () => new WorkerApi(base, 'bl_key');

describe('WorkerApi', () => {
  it('asks for leases with the key, and takes 204 as nothing to do', async () => {
    const expiresAt = new Date(Date.now() + 30_000).toISOString();
    answers.push(json(200, { leases: [{ ...LEASE, expiresAt }] }), json(204));
    const req = { max: 2, capabilities: ['browser' as const], worker: { id: 'w', kind: 'remote' as const, version: '1' } };
    const [held] = await api().lease(req);
    expect(held.lease.id).toBe('l-1');
    // Counted on this machine's clock: never later than the server meant.
    expect(held.expiresAt).toBeLessThanOrEqual(Date.parse(expiresAt));
    expect(await api().lease(req)).toEqual([]);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/worker/leases', auth: 'Bearer bl_key', type: 'application/json' });
    expect(JSON.parse(seen[0].body.toString())).toEqual(req);
  });

  it('asks for leases once: a 5xx is the caller\'s to wait out', async () => {
    answers.push(json(503, undefined, { 'retry-after': '7' }));
    const err = await api().lease({ max: 1, capabilities: [], worker: { id: 'w', kind: 'remote', version: '1' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnavailable);
    expect((err as ApiUnavailable).retryAfterMs).toBe(7000);
    expect(seen).toHaveLength(1);
  });

  it('retries a report after a 5xx, a 429 and a dropped connection, sending the same report', async () => {
    answers.push((_, res) => res.destroy(), json(502), json(429, undefined, { 'retry-after': '1' }), json(200, { status: 'submitted', detail: 'ok' }));
    const settled = await api().complete(LEASE, { outcome: { result: 'submitted' } }, 60_000);
    expect(settled).toEqual({ status: 'submitted', detail: 'ok' });
    expect(seen.map((s) => s.url)).toEqual(Array(4).fill('/api/v1/worker/leases/l-1/complete'));
    expect(new Set(seen.map((s) => s.body.toString()))).toEqual(new Set([JSON.stringify({ outcome: { result: 'submitted' }, token: 'tok-secret' })]));
  });

  it('gives up when the retries run out, naming the call but never the token', async () => {
    answers.push(json(500));
    const err = await api().fail(LEASE, { kind: 'page', message: 'x' }, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnavailable);
    expect((err as Error).message).toMatch(/^POST \/leases\/l-1\/fail: HTTP 500/);
  });

  it('a 409 lease-expired is LeaseExpired, never retried; another 409 is a problem', async () => {
    answers.push(problem(409, 'lease-expired'), problem(409, 'order-paused'));
    await expect(api().heartbeat(LEASE, { progress: 'filling' }, 60_000)).rejects.toBeInstanceOf(LeaseExpired);
    const err = await api().submitting(LEASE, 60_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiProblem);
    expect(err).toMatchObject({ status: 409, message: expect.stringContaining('the order-paused detail') });
    expect(seen).toHaveLength(2);
  });

  it('uploads the screenshot as its bytes with the token in a header, never the URL; a 413 is "go on without it"', async () => {
    answers.push(json(204), problem(413, 'too-big'), problem(400, 'bad-image'));
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect(await api().screenshot(LEASE, png, 'image/png', 1000)).toBe(true);
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/api/v1/worker/leases/l-1/screenshot', leaseToken: 'tok-secret', type: 'image/png', body: png });
    expect(await api().screenshot(LEASE, png, 'image/png', 1000)).toBe(false);
    const err = await api().screenshot(LEASE, png, 'image/png', 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiProblem);
    expect((err as Error).message).not.toContain('tok-secret');
  });

  it('an API that is not there is ApiUnavailable once the retries run out', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await new WorkerApi(`http://127.0.0.1:${port}`, 'k').heartbeat(LEASE, {}, 600).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnavailable);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('counts the click\'s deadline on this machine\'s clock from the server\'s Date', async () => {
    // The server's clock runs an hour ahead: its clickBy is five seconds after its own now.
    const serverNow = Date.now() + 3_600_000;
    answers.push(json(200, { clickBy: new Date(serverNow + 5000).toISOString(), expiresAt: new Date(serverNow + 30_000).toISOString() }, { date: new Date(serverNow).toUTCString() }));
    const before = Date.now();
    const { clickBy } = await api().submitting(LEASE, 1000);
    expect(clickBy).toBeGreaterThan(before);
    expect(clickBy).toBeLessThanOrEqual(Date.now() + 5000);
  });
});
