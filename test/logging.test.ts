import { Client } from 'pg';
import { createApiKey } from '../src/auth/api-keys.service';
import { importSandboxCatalogue } from '../src/sandbox/catalogue';
import { LOG_LIMITS, TRUNCATED } from '../src/logging/logging.constants';
import { ADMIN_DATABASE_URL, createTestDatabase, TestDatabase } from '../harness/database';
import { freePort, Proc, startApi } from '../harness/processes';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE } from './support/deadlines';
import { TEST_REDIS_URL, testQueuePrefix } from './support/queue';

/**
 * What the API process writes to its log about requests a client shapes: a 64 KB hostile URL, and
 * credentials in URLs (an event stream's `?token=`, an API key or session id put in a query
 * string), on the access line and on the error lines of a request that fails. The API runs as a
 * process of its own, as in production, and its log is read as it wrote it.
 */
let db: TestDatabase;
let api: Proc;
let base: string;
let key: string;
let jobId: string;

/** Every JSON line the API has written so far. */
const logLines = () =>
  api
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((raw) => ({ raw, line: JSON.parse(raw) as { level: number; msg?: string; req?: { url: string; urlLength?: number } & Record<string, unknown> } }));

/** The lines about requests whose URL starts with `prefix`, once there are `count` of them. */
const linesFor = (prefix: string, count = 1, minLevel = 0) =>
  waitFor(`${count} log line(s) about ${prefix}`, async () => {
    const found = logLines().filter(({ line }) => line.req?.url.startsWith(prefix) && line.level >= minLevel);
    return found.length >= count ? found : undefined;
  }, { timeoutMs: DEADLINE.event, describe: async () => api.output().slice(-3000) });

beforeAll(async () => {
  db = await createTestDatabase();
  await importSandboxCatalogue(db.dataSource.manager, 'http://127.0.0.1:4999');
  key = (await createApiKey(db.dataSource.manager, { name: 'logging test', scopes: ['jobs:read', 'jobs:write'], account: 'acme' })).token;
  const port = await freePort();
  api = await startApi(
    {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: testQueuePrefix(),
      // `log`: every request gets its access line.
      LOG_LEVEL: 'log',
      // Node refuses request heads over 16 KB itself (431) unless told otherwise, as a server
      // behind a proxy with long URLs may be: let the 64 KB URL through, to show the cap holds
      // whatever limit is in front of it.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-http-header-size=131072`.trim(),
    },
    port,
  );
  base = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return res.json();
  };
  const customer = await post('/customers', CUSTOMER);
  jobId = (await post('/jobs', { customerId: customer.id, directoryIds: ['sandbox-0001'] })).id;
});

afterAll(async () => {
  await api?.kill('SIGTERM');
  await db?.drop();
});

describe('the request log', () => {
  it('cuts a 64 KB hostile URL to the cap, marked as truncated, and the API keeps answering', async () => {
    const url = `/api/v1/health?${'a.'.repeat(32 * 1024)}`;
    expect((await fetch(`${base}${url}`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
    const [{ raw, line }] = await linesFor('/api/v1/health?a.a.');
    expect(line.req?.url.length).toBeLessThanOrEqual(LOG_LIMITS.url + TRUNCATED.length);
    expect(line.req?.url.endsWith(TRUNCATED)).toBe(true);
    expect(line.req?.urlLength).toBe(url.length);
    // Not repeated, uncut, in the parsed query either.
    expect(line.req).not.toHaveProperty('query');
    expect(raw.length).toBeLessThan(LOG_LIMITS.url + LOG_LIMITS.headers + 4096);
  });
});

describe('credentials in URLs', () => {
  it('an event token, an API key and a session id are on no line: neither the access lines nor the error lines of a failed request', async () => {
    const tokenRes = await fetch(`${base}/api/v1/jobs/${jobId}/events/token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(tokenRes.status).toBe(201);
    const { token } = (await tokenRes.json()) as { token: string };
    const events = `/api/v1/jobs/${jobId}/events?token=`;

    // The stream opens with the token; the client reads its first event and leaves.
    const abort = new AbortController();
    const stream = await fetch(`${base}${events}${encodeURIComponent(token)}`, { signal: abort.signal });
    expect(stream.status).toBe(200);
    await stream.body?.getReader().read();
    abort.abort();
    // A client that puts its API key and a session id in the URL is refused, and logged without them.
    expect((await fetch(`${base}/api/v1/jobs?api_key=${key}&sid=s%3Asession-id`)).status).toBe(401);
    await linesFor(events);
    await linesFor('/api/v1/jobs?api_key=');

    // The request's own query fails while it is handled (the order's table is locked past the
    // statement time-out; the database watchdog's probe still answers): the failure is logged
    // with the request, as a warning, and the 503's access line is a warning too.
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
      const failed = await fetch(`${base}${events}${encodeURIComponent(token)}`);
      expect(failed.status).toBe(503);
      await failed.arrayBuffer();
      await waitFor('the failure logged with its request', async () =>
        logLines().find(({ line }) => line.req?.url.startsWith(events) && line.level === 40 && /database unavailable/.test(line.msg ?? '')),
      { timeoutMs: DEADLINE.event, describe: async () => api.output().slice(-3000) });
    } finally {
      await admin.query('ROLLBACK');
      await admin.end();
    }

    // The database refuses connections and the watchdog has noticed: the request gets its 503
    // before anything throws, so its access line is the one line about it, and it is a warning.
    const dba = new Client({ connectionString: ADMIN_DATABASE_URL });
    await dba.connect();
    const name = new URL(db.url).pathname.slice(1);
    try {
      await dba.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await dba.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
      // The watchdog's last word is that PostgreSQL is away (a slow probe may have said so, and
      // taken it back, before: only the latest of its lines counts).
      await waitFor('the watchdog to notice', async () => {
        const out = api.output();
        return out.lastIndexOf('requests get 503 until it does') > out.lastIndexOf('PostgreSQL answers again') ? true : undefined;
      }, { timeoutMs: DEADLINE.event });
      const refused = await fetch(`${base}${events}${encodeURIComponent(token)}`);
      expect(refused.status).toBe(503);
      await refused.arrayBuffer();
      await linesFor(events, 3, 40);
    } finally {
      await dba.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await dba.end();
    }

    // Every line about the event streams (the first's access line, the failure's line and the
    // two 503s' access lines) has the token redacted, and no line anywhere has a credential.
    const aboutEvents = await linesFor(events, 4);
    for (const { line } of aboutEvents) expect(line.req?.url).toBe(`${events}[redacted]`);
    const lines = logLines();
    const secret = key.slice(-43);
    const signature = token.split('.')[1];
    const leaks = lines.filter(({ raw }) => raw.includes(signature) || raw.includes(encodeURIComponent(token)) || raw.includes(secret) || raw.includes('session-id'));
    expect(leaks.map((l) => l.raw)).toEqual([]);
  });
});
