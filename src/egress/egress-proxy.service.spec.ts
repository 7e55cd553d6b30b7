import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { CataloguePolicy } from './catalogue-policy.service';
import type { EgressLease } from './egress-lease';
import { EgressPolicy } from './egress-policy';
import { EgressProxy } from './egress-proxy.service';

/**
 * The proxy on real loopback sockets, with a policy whose resolver the test controls. Names like
 * `pinned.test` do not exist in any DNS: a connection that arrives proves the proxy connected to
 * the address the policy checked instead of looking the name up again.
 */
let target: Server;
let port: number;
let proxy: EgressProxy;
let lease: EgressLease;
const asked: string[] = [];
let answers: Record<string, string | string[]> = {};

/**
 * Two sites on one port, one on 127.0.0.2 and one on 127.0.0.1, each answering with its address,
 * so a test sees which address a connection went to. A connection to 0.0.0.0 lands on this host's
 * 127.0.0.1: the count of connections there tells whether one did.
 */
let two: Server;
let one: Server;
let twoPort: number;
let connectionsToOne = 0;

async function listenOnOneAndTwo(): Promise<void> {
  const answering = () => createServer((req, res) => res.end(`${req.socket.localAddress} answered`));
  for (let attempt = 1; ; attempt++) {
    two = answering();
    two.listen(0, '127.0.0.2');
    await once(two, 'listening');
    twoPort = (two.address() as AddressInfo).port;
    one = answering();
    one.on('connection', () => connectionsToOne++);
    try {
      one.listen(twoPort, '127.0.0.1');
      await once(one, 'listening');
      return;
    } catch (err) {
      // The port is taken on 127.0.0.1 by someone else: try another pair.
      two.close();
      if (attempt === 10) throw err;
    }
  }
}

beforeAll(async () => {
  target = createServer((req, res) => res.end(`hello from ${req.headers.host}`));
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  port = (target.address() as AddressInfo).port;
  await listenOnOneAndTwo();
  const policy = EgressPolicy.fromCatalogue(
    [{ submitUrl: `http://pinned.test:${port}/` }, { submitUrl: `http://private.test:${port}/` }, { submitUrl: `http://twofaced.test:${twoPort}/` }],
    [`http://pinned.test:${port}`, `http://twofaced.test:${twoPort}`],
    async (host) => {
      asked.push(host);
      if (!answers[host]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [answers[host]].flat().map((address) => ({ address, family: 4 }));
    },
  );
  proxy = new EgressProxy({ current: async () => policy } as unknown as CataloguePolicy);
  await proxy.onModuleInit();
  lease = await proxy.lease();
});

afterAll(async () => {
  await proxy.onApplicationShutdown();
  for (const server of [target, two, one]) {
    server.closeAllConnections();
    server.close();
  }
});

beforeEach(() => {
  asked.splice(0);
  answers = { 'pinned.test': '127.0.0.1', 'private.test': '127.0.0.1' };
});

const auth = (l: EgressLease) => `Basic ${Buffer.from(`${l.proxy.username}:${l.proxy.password}`).toString('base64')}`;

/** A plain http request through the proxy, as Chromium sends one. */
function viaProxy(url: string, authorization?: string): Promise<{ status: number; body: string }> {
  const proxyUrl = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: proxyUrl.hostname, port: proxyUrl.port, path: url, headers: { host: new URL(url).host, ...(authorization ? { 'proxy-authorization': authorization } : {}) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A CONNECT through the proxy, then a GET through the tunnel; resolves with all that came back. */
function tunnelGet(hostPort: string, authorization: string): Promise<string> {
  const proxyUrl = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(proxyUrl.port), proxyUrl.hostname, () => {
      socket.write(`CONNECT ${hostPort} HTTP/1.1\r\nHost: ${hostPort}\r\nProxy-Authorization: ${authorization}\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (d: Buffer) => {
      if (!text) socket.write(`GET / HTTP/1.1\r\nHost: ${hostPort}\r\nConnection: close\r\n\r\n`);
      text += d.toString();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** A CONNECT through the proxy; resolves with its status line. */
function connectVia(hostPort: string, authorization: string): Promise<string> {
  const proxyUrl = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(proxyUrl.port), proxyUrl.hostname, () => {
      socket.write(`CONNECT ${hostPort} HTTP/1.1\r\nHost: ${hostPort}\r\nProxy-Authorization: ${authorization}\r\n\r\n`);
    });
    socket.once('data', (d: Buffer) => {
      resolve(d.toString().split('\r\n')[0]);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('EgressProxy', () => {
  it('asks for credentials first, and opens nothing for unknown ones', async () => {
    expect((await viaProxy(`http://pinned.test:${port}/`)).status).toBe(407);
    expect((await viaProxy(`http://pinned.test:${port}/`, 'Basic ' + Buffer.from('ctx-nobody:x').toString('base64'))).status).toBe(407);
    expect(asked).toEqual([]);
  });

  it('connects to the address it checked, once resolved (a name no DNS knows still arrives)', async () => {
    await expect(viaProxy(`http://pinned.test:${port}/`, auth(lease))).resolves.toEqual({ status: 200, body: `hello from pinned.test:${port}` });
    expect(await connectVia(`pinned.test:${port}`, auth(lease))).toBe('HTTP/1.1 200 Connection Established');
    expect(asked).toEqual(['pinned.test', 'pinned.test']);
  });

  it('resolves the name it compared: a CONNECT spelled another way asks for, and reaches, the one canonical name', async () => {
    for (const spelling of ['PINNED.Test.', '%50inned.test', '%EF%BD%90inned.test']) {
      expect([spelling, await connectVia(`${spelling}:${port}`, auth(lease))]).toEqual([spelling, 'HTTP/1.1 200 Connection Established']);
    }
    expect(asked).toEqual(['pinned.test', 'pinned.test', 'pinned.test']);
  });

  it('an exempt name connects to the first of its addresses that passed, never to 0.0.0.0 (this host) because it came first', async () => {
    const before = connectionsToOne;
    answers['twofaced.test'] = ['0.0.0.0', '127.0.0.2'];
    await expect(viaProxy(`http://twofaced.test:${twoPort}/`, auth(lease))).resolves.toEqual({ status: 200, body: '127.0.0.2 answered' });
    const tunnelled = await tunnelGet(`twofaced.test:${twoPort}`, auth(lease));
    expect(tunnelled).toMatch(/^HTTP\/1.1 200 Connection Established\r\n\r\nHTTP\/1.1 200 OK\r\n/);
    expect(tunnelled).toMatch(/127.0.0.2 answered$/);
    // With nothing but 0.0.0.0, the exemption does not apply: refused, and recorded.
    answers['twofaced.test'] = ['0.0.0.0'];
    expect(await connectVia(`twofaced.test:${twoPort}`, auth(lease))).toBe('HTTP/1.1 403 Forbidden');
    expect(lease.refusal(`twofaced.test:${twoPort}`)).toEqual({ endpoint: `twofaced.test:${twoPort}`, reason: 'resolves to 0.0.0.0 (ipv4 unspecified)' });
    expect(connectionsToOne - before).toBe(0);
  });

  it('a kept-alive connection is reused only for the address it was opened to: the name\'s next checked address gets its own', async () => {
    answers['twofaced.test'] = ['127.0.0.1'];
    await expect(viaProxy(`http://twofaced.test:${twoPort}/`, auth(lease))).resolves.toEqual({ status: 200, body: '127.0.0.1 answered' });
    answers['twofaced.test'] = ['127.0.0.2'];
    await expect(viaProxy(`http://twofaced.test:${twoPort}/`, auth(lease))).resolves.toEqual({ status: 200, body: '127.0.0.2 answered' });
    answers['twofaced.test'] = ['127.0.0.1'];
    await expect(viaProxy(`http://twofaced.test:${twoPort}/`, auth(lease))).resolves.toEqual({ status: 200, body: '127.0.0.1 answered' });
  });

  it('refuses with 403 and records the refusal against the lease that asked', async () => {
    const other = await proxy.lease();
    const res = await viaProxy(`http://private.test:${port}/`, auth(other));
    expect(res.status).toBe(403);
    expect(res.body).toContain(`private.test:${port}: resolves to 127.0.0.1 (ipv4 loopback)`);
    expect(await connectVia(`127.0.0.1:${port}`, auth(other))).toBe('HTTP/1.1 403 Forbidden');
    expect(other.refusal(`private.test:${port}`)).toEqual({ endpoint: `private.test:${port}`, reason: 'resolves to 127.0.0.1 (ipv4 loopback)' });
    expect(other.refusal(`127.0.0.1:${port}`)).toMatchObject({ reason: 'not a catalogue origin' });
    expect(lease.refusal(`private.test:${port}`)).toBeUndefined();
    // An ended lease's credentials open nothing.
    other.end();
    expect((await viaProxy(`http://pinned.test:${port}/`, auth(other))).status).toBe(407);
  });
});
