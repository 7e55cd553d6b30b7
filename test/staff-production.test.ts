import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createStaff } from '../src/auth/staff.service';
import { ApiHarness, startApiInProcess } from './support/api-app';

/**
 * Staff cookies with NODE_ENV=production: always Secure, named with the __Host- prefix (so only
 * this host, over HTTPS, with Path=/ and no Domain, can set them), and staff tools over plain HTTP
 * refused with the reason, since a Secure cookie is never set there. The requests come from
 * loopback, a trusted proxy here, and say by X-Forwarded-Proto whether the client used HTTPS.
 * Development's plain names over HTTP are checked in test/staff.test.ts.
 */
let h: ApiHarness;
const ADMIN = { email: 'ops@boltline.example', password: 'correct horse battery staple' };
const HTTPS = { 'x-forwarded-proto': 'https' };

beforeAll(async () => {
  // LOG_LEVEL log: every request is logged, cookies included, for the log scan to check.
  h = await startApiInProcess({ NODE_ENV: 'production', SESSION_SECRET: randomBytes(32).toString('base64'), TRUST_PROXY: 'loopback', LOG_LEVEL: 'log' });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin'); // production cost: 2^17
});
afterAll(() => h?.close());

function cookies(res: request.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

/** The Set-Cookie for `name`, checked to carry what a __Host- cookie must (else browsers drop it). */
function hostCookie(res: request.Response, name: string): string {
  const cookie = cookies(res).find((c) => c.startsWith(`__Host-${name}=`)) as string;
  expect(cookie).toBeDefined();
  expect(cookie).toMatch(/; Secure/);
  expect(cookie).toMatch(/; Path=\/(;|$)/);
  expect(cookie).not.toMatch(/Domain=/i);
  expect(cookie).toMatch(/; HttpOnly/);
  expect(cookie).toMatch(/; SameSite=Strict/);
  return cookie.split(';')[0];
}

const csrfIn = (res: request.Response) => /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] as string;

it('over HTTPS: the sign-in form and the session use Secure __Host- cookies, and sign-out removes them', async () => {
  const server = h.app.getHttpServer();
  const page = await request(server).get('/staff/login').set(HTTPS).expect(200);
  const loginCsrf = hostCookie(page, 'boltline.login-csrf');
  const signIn = await request(server).post('/staff/login').set(HTTPS).set('cookie', loginCsrf).type('form').send({ ...ADMIN, _csrf: csrfIn(page) }).expect(303);
  const sid = hostCookie(signIn, 'boltline.sid');
  expect(cookies(signIn).filter((c) => c.startsWith('boltline.'))).toEqual([]); // no unprefixed twin
  await request(server).get('/admin/queues/api/queues').set(HTTPS).set('cookie', sid).expect(200);

  const dashboard = await request(server).get('/dashboard').set(HTTPS).set('cookie', sid).set('accept', 'text/html').expect(200);
  const signOut = await request(server).post('/staff/logout').set(HTTPS).set('cookie', sid).type('form').send({ _csrf: csrfIn(dashboard) }).expect(303);
  const cleared = cookies(signOut).find((c) => c.startsWith('__Host-boltline.sid=;')) as string;
  expect(cleared).toMatch(/; Secure/);
  expect(cleared).toMatch(/; Path=\/(;|$)/);
  expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
  await request(server).get('/admin/queues/api/queues').set(HTTPS).set('cookie', sid).expect(401);
});

it('over plain HTTP: staff sign-in is refused, saying what to fix, and no cookie is set', async () => {
  const server = h.app.getHttpServer();
  for (const res of [await request(server).get('/staff/login'), await request(server).post('/staff/login').type('form').send(ADMIN)]) {
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/HTTPS.*TRUST_PROXY/);
    expect(cookies(res)).toEqual([]);
  }
  // A page behind sign-in sends a browser to that explanation rather than round in circles.
  expect((await request(server).get('/dashboard').set('accept', 'text/html').expect(303)).headers.location).toBe('/staff/login?next=%2Fdashboard');
});
