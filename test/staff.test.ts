import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import * as password from '../src/auth/password';
import { createStaff } from '../src/auth/staff.service';
import { CHROMIUM_ARGS } from '../src/workers/browser/chromium.service';
import { ApiHarness, startApiInProcess } from './support/api-app';
import { DEADLINE } from './support/deadlines';

/**
 * Staff sign-in and the tools behind it (Bull Board): sessions, roles, CSRF and cross-site
 * refusals, over real HTTP with cookies, and the pages in real Chromium under the CSP.
 */
let h: ApiHarness;
/** A cheap hash cost, so the many sign-ins here stay quick on a loaded machine (production: 2^17 or more). */
const SCRYPT_N = 2 ** 14;
const STAFF_SESSION_HOURS = 8;
const ADMIN = { email: 'ops@boltline.example', password: 'correct horse battery staple' };
const VIEWER = { email: 'viewer@boltline.example', password: 'viewer password 123' };
const PAUSE = '/admin/queues/api/queues/submissions/pause';
const RESUME = '/admin/queues/api/queues/submissions/resume';

beforeAll(async () => {
  // LOG_LEVEL log: every request is logged, cookies included, for the log scan to check.
  // TRUST_PROXY: the sign-in limit tests stand for other client addresses by X-Forwarded-For.
  h = await startApiInProcess({
    OUTBOX_POLL_MS: '100',
    RECONCILE_INTERVAL_MS: '3600000',
    LOG_LEVEL: 'log',
    STAFF_PASSWORD_SCRYPT_N: String(SCRYPT_N),
    STAFF_SESSION_HOURS: String(STAFF_SESSION_HOURS),
    TRUST_PROXY: 'loopback',
  });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin', SCRYPT_N);
  await createStaff(h.db.dataSource.manager, VIEWER.email, VIEWER.password, 'viewer', SCRYPT_N);
});
afterAll(() => h?.close());

/** A cookie-keeping client signed in as `who` (or anonymous). */
async function agent(who?: { email: string; password: string }) {
  const a = request.agent(h.app.getHttpServer());
  if (who) {
    const page = await a.get('/staff/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] as string;
    await a.post('/staff/login').type('form').send({ ...who, _csrf: csrf }).expect(303);
  }
  return a;
}

/** The staff session cookie a response sets, if any. */
function sessionCookie(res: request.Response): string | undefined {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => /^(__Host-)?boltline\.sid=/.test(c));
}

/** The CSRF token in a page's form: the sign-in form's, or a signed-in page's (its session's). */
async function csrfOf(a: ReturnType<typeof request.agent>, path = '/staff/login') {
  return /name="_csrf" value="([^"]+)"/.exec((await a.get(path)).text)?.[1] as string;
}

describe('staff tools refuse', () => {
  it('anonymous users: pages redirect to sign-in, JSON and actions get 401', async () => {
    const a = await agent();
    const page = await a.get('/admin/queues').set('accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/staff/login?next=%2Fadmin%2Fqueues');
    for (const path of ['/admin/queues/api/queues', '/admin/queues-readonly/api/queues']) {
      const res = await a.get(path).set('accept', 'application/json').expect(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    await a.put(PAUSE).expect(401);
  });

  it('API keys, even admin ones: they do not open staff tools', async () => {
    await request(h.app.getHttpServer()).get('/admin/queues/api/queues').set('authorization', `Bearer ${h.adminKey}`).expect(401);
    await request(h.app.getHttpServer()).put(PAUSE).set('authorization', `Bearer ${h.adminKey}`).expect(401);
  });

  it('cross-site requests, even from a signed-in admin', async () => {
    const a = await agent(ADMIN);
    await a.put(PAUSE).set('sec-fetch-site', 'cross-site').expect(403);
    await a.put(PAUSE).set('origin', 'https://evil.example').expect(403);
    await a.put(PAUSE).expect(403); // neither Fetch Metadata nor Origin: not provably same-site
    expect(await h.queue.queue.isPaused()).toBe(false);
  });

  it("viewers' actions: they get the read-only board", async () => {
    const a = await agent(VIEWER);
    expect((await a.get('/admin/queues').set('accept', 'text/html').expect(303)).headers.location).toBe('/admin/queues-readonly');
    await a.put(PAUSE).set('sec-fetch-site', 'same-origin').expect(403);
    await a.put('/admin/queues-readonly/api/queues/submissions/pause').set('sec-fetch-site', 'same-origin');
    expect(await h.queue.queue.isPaused()).toBe(false);
    const queues = (await a.get('/admin/queues-readonly/api/queues').expect(200)).body.queues;
    expect(queues.find((q: { name: string }) => q.name === 'submissions').readOnlyMode).toBe(true);
  });

  it('sign-in and sign-out without the CSRF token', async () => {
    const a = request.agent(h.app.getHttpServer());
    await a.get('/staff/login').expect(200);
    await a.post('/staff/login').type('form').send(ADMIN).expect(403);
    const signedIn = await agent(ADMIN);
    await signedIn.post('/staff/logout').expect(403);
    await signedIn.get('/admin/queues/api/queues').expect(200);
  });
});

describe('staff sessions', () => {
  it('sign in: a new HttpOnly SameSite=Strict cookie with an expiry; admins may act; the action is audited', async () => {
    const a = request.agent(h.app.getHttpServer());
    const page = await a.get('/staff/login').expect(200);
    expect(sessionCookie(page)).toBeUndefined(); // no session before sign-in
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const res = await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: csrf, next: '/admin/queues' }).expect(303);
    expect(res.headers.location).toBe('/admin/queues');
    const cookie = sessionCookie(res) as string;
    expect(cookie).toMatch(/^boltline\.sid=/); // plain HTTP in development: no __Host- prefix
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Expires=/);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP here; Secure whenever the request came over TLS
    await a.put(PAUSE).set('sec-fetch-site', 'same-origin').expect(200);
    expect(await h.queue.queue.isPaused()).toBe(true);
    await a.put(RESUME).set('sec-fetch-site', 'same-origin').expect(200);
    const audit = await request(h.app.getHttpServer()).get('/api/v1/audit?actor=ops%40boltline.example').set('authorization', `Bearer ${h.adminKey}`).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['staff.login', 'bull-board.put']));
    expect(audit.body.items[0].ip).toMatch(/127\.0\.0\.1/);
    // Signing in again in the same browser gives a new session id: one known before is worth nothing after.
    const token = await csrfOf(a);
    const again = await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: token }).expect(303);
    expect((sessionCookie(again) as string).split(';')[0]).not.toBe(cookie.split(';')[0]);
  });

  it('an anonymous sign-in page stores no session, and its form still needs its own CSRF token', async () => {
    const sessions = async () => ((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM staff_sessions`)) as Array<{ n: number }>)[0].n;
    const before = await sessions();
    const a = request.agent(h.app.getHttpServer());
    const csrf = await csrfOf(a);
    expect(await csrfOf(a)).toBe(csrf); // the same browser keeps its token (other tabs' forms work)
    await a.post('/staff/login').type('form').send({ email: ADMIN.email, password: 'a wrong password', _csrf: csrf }).expect(401);
    expect(await sessions()).toBe(before);
    // The token is bound to the browser's cookie: not without it, nor another browser's.
    const other = request.agent(h.app.getHttpServer());
    const othersToken = await csrfOf(other);
    expect(othersToken).not.toBe(csrf);
    await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: othersToken }).expect(403);
    await request(h.app.getHttpServer()).post('/staff/login').type('form').send({ ...ADMIN, _csrf: csrf }).expect(403);
    await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` }).expect(403);
    expect(await sessions()).toBe(before);
    await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: csrf }).expect(303);
    expect(await sessions()).toBe(before + 1);
  });

  it('a redirect after sign-in stays on this site', async () => {
    const a = request.agent(h.app.getHttpServer());
    const csrf = await csrfOf(a);
    const res = await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: csrf, next: '//evil.example/x' }).expect(303);
    expect(res.headers.location).toBe('/dashboard');
  });

  it('sign out ends the session on the server', async () => {
    const a = await agent(ADMIN);
    const csrf = await csrfOf(a, '/dashboard');
    await a.post('/staff/logout').type('form').send({ _csrf: csrf }).expect(303);
    await a.get('/admin/queues/api/queues').expect(401);
  });

  it('a disabled account is signed out at its next request', async () => {
    await createStaff(h.db.dataSource.manager, 'leaver@boltline.example', 'leaver password 123', 'admin', SCRYPT_N);
    const a = await agent({ email: 'leaver@boltline.example', password: 'leaver password 123' });
    await a.get('/admin/queues/api/queues').expect(200);
    await h.db.dataSource.query(`UPDATE staff_users SET disabled_at = now() WHERE email = 'leaver@boltline.example'`);
    await a.get('/admin/queues/api/queues').expect(401);
  });

  it('a sign-in lasts STAFF_SESSION_HOURS from when it happened, however busy its cookie', async () => {
    const LONG_DAY = { email: 'long-day@boltline.example', password: 'long day password 123' };
    const { id } = await createStaff(h.db.dataSource.manager, LONG_DAY.email, LONG_DAY.password, 'admin', SCRYPT_N);
    const a = await agent(LONG_DAY);
    const signedInAt = async (ms: number) =>
      h.db.dataSource.query(`UPDATE staff_sessions SET sess = jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb($1::bigint))::json WHERE sess->>'staffId' = $2`, [ms, id]);
    const rows = async () =>
      (await h.db.dataSource.query(`SELECT expire > now() + interval '1 hour' AS late FROM staff_sessions WHERE sess->>'staffId' = $1`, [id])) as Array<{ late: boolean }>;
    // Signed in 8 hours ago less 5 minutes, the cookie in use all along: still good, and the
    // stored session now ends with the sign-in instead of 8 hours after this request.
    await signedInAt(Date.now() - STAFF_SESSION_HOURS * 3_600_000 + 5 * 60_000);
    await a.get('/admin/queues/api/queues').expect(200);
    expect(await rows()).toEqual([{ late: false }]);
    // 8 hours and a minute: refused, though the cookie was used a moment ago, and ended on the server.
    await signedInAt(Date.now() - STAFF_SESSION_HOURS * 3_600_000 - 60_000);
    await a.get('/admin/queues/api/queues').expect(401);
    expect(await rows()).toEqual([]);
    await a.get('/admin/queues/api/queues').expect(401);
  });

  it('wrong passwords: 401, then 429 with Retry-After, each failure and refusal audited', async () => {
    const a = request.agent(h.app.getHttpServer());
    const answers: request.Response[] = [];
    for (let i = 0; i < 11; i++) {
      const csrf = await csrfOf(a);
      answers.push(await a.post('/staff/login').set('x-forwarded-for', '198.51.100.1').type('form').send({ email: 'viewer@boltline.example', password: `guess ${i}`, _csrf: csrf }));
    }
    expect(answers.map((r) => r.status)).toEqual([...Array(10).fill(401), 429]);
    expect(Number(answers[10].headers['retry-after'])).toBeGreaterThan(0);
    const counts = await h.db.dataSource.query(
      `SELECT action, count(*)::int AS n FROM audit_log WHERE action LIKE 'staff.login-%' AND actor = 'viewer@boltline.example' GROUP BY action ORDER BY action`,
    );
    expect(counts).toEqual([
      { action: 'staff.login-failed', n: 10 },
      { action: 'staff.login-refused', n: 1 },
    ]);
  });

  it('while the limit holds, the right password is refused too, without being checked', async () => {
    const GUESSED = { email: 'guessed@boltline.example', password: 'guessed password 123' };
    await createStaff(h.db.dataSource.manager, GUESSED.email, GUESSED.password, 'admin', SCRYPT_N);
    const attacker = request.agent(h.app.getHttpServer());
    for (let i = 0; i < 10; i++) {
      const csrf = await csrfOf(attacker);
      await attacker.post('/staff/login').set('x-forwarded-for', '198.51.100.2').type('form').send({ email: GUESSED.email, password: `guess ${i}`, _csrf: csrf }).expect(401);
    }
    const verify = jest.spyOn(password, 'verifyPassword');
    try {
      // The 11th guess is right: refused all the same, with no session.
      const csrf = await csrfOf(attacker);
      await attacker.post('/staff/login').set('x-forwarded-for', '198.51.100.2').type('form').send({ ...GUESSED, _csrf: csrf }).expect(429);
      await attacker.get('/admin/queues/api/queues').set('x-forwarded-for', '198.51.100.2').expect(401);
      // The email's limit holds from another address; the address's limit holds for another email.
      const elsewhere = request.agent(h.app.getHttpServer());
      const token = await csrfOf(elsewhere);
      await elsewhere.post('/staff/login').set('x-forwarded-for', '198.51.100.3').type('form').send({ ...GUESSED, _csrf: token }).expect(429);
      const again = await csrfOf(attacker);
      await attacker.post('/staff/login').set('x-forwarded-for', '198.51.100.2').type('form').send({ ...ADMIN, _csrf: again }).expect(429);
      expect(verify).not.toHaveBeenCalled();
      // The same admin from an address of its own is not held up by them.
      await (await agent(ADMIN)).get('/admin/queues/api/queues').expect(200);
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('a password hashed at a lower cost signs in and is rehashed at the configured cost', async () => {
    const OLD = { email: 'old-hash@boltline.example', password: 'an old password 123' };
    await createStaff(h.db.dataSource.manager, OLD.email, OLD.password, 'viewer', 2 ** 12);
    const hashOf = async () => ((await h.db.dataSource.query(`SELECT password_hash FROM staff_users WHERE email = $1`, [OLD.email])) as Array<{ password_hash: string }>)[0].password_hash;
    const before = await hashOf();
    expect(before).toMatch(/^scrypt\$4096\$8\$1\$/);
    // A wrong password changes nothing.
    const a = request.agent(h.app.getHttpServer());
    const csrf = await csrfOf(a);
    await a.post('/staff/login').set('x-forwarded-for', '198.51.100.4').type('form').send({ email: OLD.email, password: 'not the password', _csrf: csrf }).expect(401);
    expect(await hashOf()).toBe(before);
    await (await agent(OLD)).get('/admin/queues-readonly/api/queues').expect(200);
    const after = await hashOf();
    expect(after).toMatch(new RegExp(`^scrypt\\$${SCRYPT_N}\\$8\\$1\\$`));
    // The new hash is of the same password.
    await (await agent(OLD)).get('/admin/queues-readonly/api/queues').expect(200);
    expect(await hashOf()).toBe(after);
  });

  it('the staff command creates an account that can sign in', async () => {
    const { stdout } = await promisify(execFile)('node', [join(__dirname, '..', 'dist', 'src', 'auth', 'staff.cli.js'), 'create', '--email', 'New@Boltline.example', '--role', 'viewer'], {
      env: { ...process.env, DATABASE_URL: h.db.url, STAFF_PASSWORD: '' },
    });
    const password = /Password \(shown once\): (\S+)/.exec(stdout)?.[1] as string;
    const a = await agent({ email: 'new@boltline.example', password });
    await a.get('/admin/queues-readonly/api/queues').expect(200);
  });
});

describe('in Chromium, under the CSP', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(() => browser?.close());

  it('staff sign in on the page and Bull Board and the API docs render with no CSP violation', async () => {
    const server = h.app.getHttpServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    const page = await (await browser.newContext()).newPage();
    const violations: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text()));
    try {
      await page.goto(`${base}/admin/queues`);
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/admin/queues`, { timeout: DEADLINE.event });
      await page.getByText('submissions').first().waitFor({ timeout: DEADLINE.event });
      await page.goto(`${base}/docs`);
      await page.getByText('Boltline API').first().waitFor({ timeout: DEADLINE.event });
      expect(violations).toEqual([]);
    } finally {
      server.close();
    }
  });
});
