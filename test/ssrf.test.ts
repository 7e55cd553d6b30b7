import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { parseConfig } from '../src/config/config.schema';
import { LAYOUTS } from '../src/sandbox/adapters';
import type { DirectoryDocument } from '../src/directories/definition/directory.schema';
import { importDirectories } from '../src/directories/directory-store';
import { sandboxCatalogue } from '../src/sandbox/catalogue';
import type { CataloguePolicy } from '../src/egress/catalogue-policy.service';
import { EgressPolicy } from '../src/egress/egress-policy';
import { EgressProxy } from '../src/egress/egress-proxy.service';
import { HOSTILE_TRICKS, hostileCatalogue } from '../src/sandbox/hostile';
import { ChromiumService } from '../src/workers/browser/chromium.service';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { apiClient } from './support/http';
import { orderDeadline } from './support/deadlines';
import { Stack } from './support/stack';

/**
 * The browser cannot be turned against us. Directory pages on the (allowlisted) sandbox origin try
 * every way a page has to make the worker's Chromium reach somewhere else: redirects (302, 307 of
 * the form's POST), meta refresh, script navigation, a foreign form action, an iframe and fetch(),
 * each toward canaries on other loopback ports, one of them by a *.localhost name Chromium maps to
 * loopback by itself. The real worker process runs them (its egress proxy, real Chromium, no
 * page.route anywhere): the canaries must not see a single connection, and every result must say
 * blocked_by_policy with the host it tried.
 */
let stack: Stack;

/** A listener no page may reach: counts every TCP connection, and every HTTP request on it. */
interface Canary {
  port: number;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

async function httpCanary(): Promise<Canary> {
  const server: HttpServer = createHttpServer((_req, res) => {
    canary.requests++;
    res.end('<h1>leaked</h1>');
  });
  const canary: Canary = { port: 0, connections: 0, requests: 0, close: () => closeServer(server) };
  server.on('connection', () => canary.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  canary.port = (server.address() as AddressInfo).port;
  return canary;
}

/** For the https target: any TCP connection at all is a leak, TLS or not. */
async function tcpCanary(): Promise<Canary> {
  const server: TcpServer = createTcpServer((socket) => {
    canary.connections++;
    socket.destroy();
  });
  const canary: Canary = { port: 0, connections: 0, requests: 0, close: () => closeServer(server) };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  canary.port = (server.address() as AddressInfo).port;
  return canary;
}

function closeServer(server: HttpServer | TcpServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

let canaries: Canary[];
let targets: Array<{ url: string; endpoint: string }>;
/** Catalogue entries the address policy refuses by itself, with the reason expected. */
let refusedByAddress: Array<{ entry: DirectoryDocument; endpoint: string; reason: RegExp }>;

beforeAll(async () => {
  stack = await Stack.start({
    name: 'ssrf',
    sandbox: { slowMs: 100 },
    sandboxCatalogue: false,
    seed: async ({ db, sandbox }) => {
      canaries = [await httpCanary(), await httpCanary(), await tcpCanary()];
      targets = [
        { url: `http://127.0.0.1:${canaries[0].port}/leak`, endpoint: `127.0.0.1:${canaries[0].port}` },
        { url: `http://canary.localhost:${canaries[1].port}/leak`, endpoint: `canary.localhost:${canaries[1].port}` },
        { url: `https://127.0.0.1:${canaries[2].port}/leak`, endpoint: `127.0.0.1:${canaries[2].port}` },
      ];
      const entry = (id: string, submitUrl: string, position: number): DirectoryDocument => ({
        id, name: id, submitUrl, position, enabled: true, adapter: LAYOUTS.classic,
      });
      // In the catalogue, but behind addresses no directory may have: the policy, not the catalogue, refuses them.
      refusedByAddress = [
        { entry: entry('private-loopback-name', `http://localhost:${sandbox.port}/d/sandbox-0001/`, 9101), endpoint: `localhost:${sandbox.port}`, reason: /resolves to (127\.0\.0\.1|::1) \(ipv[46] loopback\)/ },
        { entry: entry('private-metadata', 'http://169.254.169.254/latest/meta-data/', 9102), endpoint: '169.254.169.254:80', reason: /resolves to 169\.254\.169\.254 \(ipv4 linkLocal\)/ },
        { entry: entry('private-file', 'file:///etc/passwd', 9103), endpoint: 'file:', reason: /only http and https/ },
      ];
      // Written past the schema's checks, as a row changed in SQL would be: the API refuses a file: URL.
      await importDirectories(db.dataSource.manager, [
        ...sandboxCatalogue(sandbox.url),
        ...hostileCatalogue(sandbox.url, targets.map((t) => t.url)),
        ...refusedByAddress.map((r) => r.entry),
      ], { by: 'test', disableOthers: true });
    },
    // Only the sandbox's own origin may be on loopback (the stack's EGRESS_PRIVATE_ORIGINS); the canaries' ports are not exempt.
    env: { LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all((canaries ?? []).map((c) => c.close()));
});

const { post, get } = apiClient(() => stack);

interface ResultRow {
  directoryId: string;
  status: string;
  attempts: number;
  errorMessage: string | null;
  responseLog: Array<{ event: string; detail?: string }>;
}

it('ends every hostile page blocked_by_policy with the host it tried; the canaries get 0 connections', async () => {
  const hostile = hostileCatalogue(stack.sandbox.url, targets.map((t) => t.url));
  const website = 'https://ssrf.example';
  const customer = await post('/customers', { ...CUSTOMER, businessName: 'SSRF Bakery', website });
  // sandbox-0001 is the control: an honest directory, through the same proxy, in the same order.
  const ids = ['sandbox-0001', ...hostile.map((h) => h.id), ...refusedByAddress.map((r) => r.entry.id)];
  const job = await post('/jobs', { customerId: customer.id, directoryIds: ids });

  const done = await waitFor(`job ${job.id} to complete`, async () => {
    const j = await get(`/jobs/${job.id}`);
    return j.status === 'completed' ? j : undefined;
  }, { timeoutMs: orderDeadline(ids.length), intervalMs: 250, describe: async () => JSON.stringify((await get(`/jobs/${job.id}`)).progress) + stack.worker.output().slice(-2000) });
  const { items }: { items: ResultRow[] } = await get(`/jobs/${job.id}/results`);
  const row = (id: string) => items.find((r) => r.directoryId === id) as ResultRow;

  expect(row('sandbox-0001')).toMatchObject({ status: 'submitted', errorMessage: null });
  for (const [i, h] of hostile.entries()) {
    const { endpoint } = targets[Math.floor(i / HOSTILE_TRICKS.length)];
    const r = row(h.id);
    // Final at once: a policy decision is not retried (an earlier attempt may have failed for
    // another reason on a loaded machine, but nothing follows the block).
    expect([h.id, r.status]).toEqual([h.id, 'blocked_by_policy']);
    const log = r.responseLog as Array<{ event: string; attempt: number }>;
    const blockedIn = new Set(log.filter((e) => e.event === 'blocked by policy').map((e) => e.attempt));
    expect([...blockedIn]).toEqual([Math.max(...log.map((e) => e.attempt))]);
    expect(r.errorMessage).toBe(`blocked by policy: ${endpoint} (not a catalogue origin)`);
    expect(r.responseLog).toContainEqual(expect.objectContaining({ event: 'blocked by policy', detail: `${endpoint}: not a catalogue origin` }));
  }
  for (const { entry, endpoint, reason } of refusedByAddress) {
    const r = row(entry.id);
    expect([entry.id, r.status, r.attempts]).toEqual([entry.id, 'blocked_by_policy', 1]);
    expect(r.errorMessage).toContain(`blocked by policy: ${endpoint} (`);
    expect(r.errorMessage).toMatch(reason);
  }
  const blocked = hostile.length + refusedByAddress.length;
  expect(done.progress).toEqual({ total: blocked + 1, submitted: 1, failed: 0, cancelled: 0, needsReview: 0, blocked, pending: 0, percent: 100 });

  // The canaries' own count is the ground truth: nothing reached them, not even a TCP handshake.
  expect(canaries.map((c) => [c.connections, c.requests])).toEqual([[0, 0], [0, 0], [0, 0]]);
  // The sandbox's record: the honest directory got its listing; of the hostile ones only the
  // 307 trick's form posts to the sandbox first (it is the redirect after it that is refused).
  const received = stack.sandbox.received().filter((s) => s.website === website);
  expect(received.filter((s) => s.slug === 'sandbox-0001')).toHaveLength(1);
  expect(received.filter((s) => s.slug.startsWith('hostile-')).map((s) => s.slug)).toEqual(
    targets.map(() => 'hostile-redirect-307'),
  );
});

/** A page that tries to leave something behind: a service worker (also from a fresh frame's realm), a download, a file: page. */
const LINGERING_PAGE = `<!doctype html><script>
window.results = [];
const report = (how) => (r) => results.push(how + ': ' + (r && r.scope ? 'registered' : String(r)));
navigator.serviceWorker.register('/sw.js').then(report('direct'), report('direct refused'));
const frame = document.createElement('iframe');
document.documentElement.appendChild(frame);
frame.contentWindow.ServiceWorkerContainer.prototype.register.call(navigator.serviceWorker, '/sw.js?realm=iframe').then(report('iframe'), report('iframe refused'));
</script><a id="download" href="/file.bin" download>file</a><a id="file" href="file:///etc/passwd">passwd</a>`;

it("the workers' browser contexts register no service worker, keep no download and open no file: page", async () => {
  const hits: string[] = [];
  const site = createHttpServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/sw.js')) return void res.setHeader('content-type', 'text/javascript').end('self.onfetch = () => {};');
    if (req.url === '/file.bin') return void res.setHeader('content-disposition', 'attachment; filename=file.bin').end('0'.repeat(1000));
    res.setHeader('content-type', 'text/html').end(LINGERING_PAGE);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // The worker's own Chromium service and proxy, in this process, with a catalogue of one site.
  const proxy = new EgressProxy({ current: async () => EgressPolicy.fromCatalogue([{ submitUrl: `${siteUrl}/` }], [siteUrl]) } as unknown as CataloguePolicy);
  await proxy.onModuleInit();
  const config = parseConfig({ NODE_ENV: 'test' });
  // Tests run as root, where Chromium has no sandbox (browser-check.ts).
  const chromium = new ChromiumService(config, proxy, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', version: '?', sandbox: false, reason: 'test' });
  try {
    const lease = await proxy.lease();
    const context = await chromium.newContext(lease.proxy);
    const page = await context.newPage();
    await page.goto(`${siteUrl}/`);
    await page.waitForFunction(() => (window as unknown as { results: string[] }).results.length === 2);
    expect(await page.evaluate(() => (window as unknown as { results: string[] }).results.sort())).toEqual(['direct: undefined', 'iframe: undefined']);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);

    const download = page.waitForEvent('download');
    await page.click('#download');
    expect(await (await download).failure()).toMatch(/acceptDownloads/);

    await page.click('#file');
    await page.waitForTimeout(300);
    expect(context.pages().map((p) => new URL(p.url()).protocol)).toEqual(['http:']);
    expect(hits.filter((h) => h.startsWith('/sw.js'))).toEqual([]);
    await context.close();
    lease.end();
  } finally {
    await chromium.onApplicationShutdown();
    await proxy.onApplicationShutdown();
    await closeServer(site);
  }
});
