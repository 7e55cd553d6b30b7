import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * A result's screenshot as API clients get it: a URL behind the same key checks as the result,
 * never where the file lies on the server. Files and rows are put in place as a worker leaves them.
 */
let h: ApiHarness;
const keys: Record<'owner' | 'ownerReader' | 'other', string> = {} as never;
// Under a dot folder, as `~/.local/share/boltline` would be: express's sendFile ignores dot paths unless told.
const ARTIFACTS = join(mkdtempSync(join(tmpdir(), 'boltline-shots-')), '.local', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const OUTSIDE = mkdtempSync(join(tmpdir(), 'boltline-not-shots-'));
const ADMIN = { email: 'ops@shots.example', password: 'screenshot test admin password' };
// A 1×1 PNG: what the endpoint must hand back byte for byte.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', ARTIFACT_DIR: ARTIFACTS, RATE_LIMIT_PER_MINUTE: '1000000' });
  const m = h.db.dataSource.manager;
  keys.owner = (await createApiKey(m, { name: 'owner', scopes: ['jobs:read', 'jobs:write'], account: 'owner' })).token;
  keys.ownerReader = (await createApiKey(m, { name: 'owner reader', scopes: ['jobs:read'], account: 'owner' })).token;
  keys.other = (await createApiKey(m, { name: 'other', scopes: ['jobs:read', 'jobs:write'], account: 'other' })).token;
  await createStaff(m, ADMIN.email, ADMIN.password, 'admin');
});
afterAll(async () => {
  await h?.close();
  rmSync(join(ARTIFACTS, '..', '..'), { recursive: true, force: true });
  rmSync(OUTSIDE, { recursive: true, force: true });
});

const as = (key: string | undefined, path: string) => {
  const req = request(h.app.getHttpServer()).get(path);
  return key ? req.set('authorization', `Bearer ${key}`) : req;
};
const post = async (path: string, body: object) => (await request(h.app.getHttpServer()).post(`/api/v1${path}`).set('authorization', `Bearer ${keys.owner}`).send(body).expect(201)).body;

/** An order of the owner's account whose first directory has a screenshot where a worker puts it. */
async function orderWithScreenshot(directoryIds = ['sandbox-0001', 'sandbox-0002']) {
  const customer = await post('/customers', CUSTOMER);
  const job = await post('/jobs', { customerId: customer.id, directoryIds });
  const file = join(ARTIFACTS, job.id, `${directoryIds[0]}-attempt1.png`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, PNG);
  await h.db.dataSource.query(`UPDATE job_results SET screenshot_path = $3 WHERE job_id = $1 AND directory_id = $2`, [job.id, directoryIds[0], file]);
  return { id: job.id as string, file, url: `/api/v1/jobs/${job.id}/results/${directoryIds[0]}/screenshot` };
}

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('a result’s screenshot', () => {
  it('is a URL in the results, never a path on the server', async () => {
    const { id, url } = await orderWithScreenshot();
    const res = await as(keys.owner, `/api/v1/jobs/${id}/results`).expect(200);
    expect(res.body.items.map((r: { directoryId: string; screenshotUrl: string | null }) => [r.directoryId, r.screenshotUrl])).toEqual([
      ['sandbox-0001', url],
      ['sandbox-0002', null],
    ]);
    for (const item of res.body.items) {
      expect(Object.keys(item)).not.toContain('screenshotPath');
      expect(Object.keys(item)).not.toContain('attemptToken');
    }
    expect(res.text).not.toContain(ARTIFACTS);
    expect(res.text).not.toContain(tmpdir());
  });

  it('is served as image/png to the order’s account (any of its keys) and to admins', async () => {
    const { url } = await orderWithScreenshot();
    for (const key of [keys.owner, keys.ownerReader, h.adminKey]) {
      const res = await as(key, url).expect(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('private, no-cache');
      expect(Buffer.compare(res.body as Buffer, PNG)).toBe(0);
    }
  });

  it("is a 404 for another account, as if the order did not exist, and a 401 without a key", async () => {
    const { id, url } = await orderWithScreenshot();
    const foreign = await as(keys.other, url);
    expectProblem(foreign, 404);
    const missing = await as(keys.other, url.replace(id, '00000000-0000-4000-8000-000000000000'));
    expect(foreign.body.detail.replace(id, 'ID')).toBe(missing.body.detail.replace('00000000-0000-4000-8000-000000000000', 'ID'));
    expectProblem(await as(undefined, url), 401);
  });

  it('is a 404 when the directory has none, is not in the order, or is not a directory id', async () => {
    const { id, url } = await orderWithScreenshot();
    await as(keys.owner, url).expect(200);
    for (const directory of ['sandbox-0002', 'sandbox-0003', '..%2F..%2F..%2Fetc%2Fpasswd', '..', 'SANDBOX-0001']) {
      const res = await as(keys.owner, `/api/v1/jobs/${id}/results/${directory}/screenshot`);
      expect([directory, res.status]).toEqual([directory, 404]);
    }
    // A NUL is text that cannot be stored, refused before any lookup, like everywhere else.
    const nul = await as(keys.owner, `/api/v1/jobs/${id}/results/%00/screenshot`);
    expectProblem(nul, 400);
    expect(nul.body.type).toBe('/problems/invalid-text');
    expectProblem(await as(keys.owner, `/api/v1/jobs/not-a-job/results/sandbox-0001/screenshot`), 404);
  });

  it('never serves a file outside ARTIFACT_DIR, whatever the row says, nor one gone from disk', async () => {
    const { id, url, file } = await orderWithScreenshot();
    const outsidePng = join(OUTSIDE, 'secret.png');
    writeFileSync(outsidePng, PNG);
    const link = join(ARTIFACTS, id, 'link-attempt2.png');
    symlinkSync(outsidePng, link);
    const textFile = join(ARTIFACTS, id, 'notes.txt');
    writeFileSync(textFile, 'not a screenshot');
    const [row] = await h.db.dataSource.query(`SELECT id::text FROM job_results WHERE job_id = $1 AND directory_id = 'sandbox-0001'`, [id]);
    const staff = request.agent(h.app.getHttpServer());
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await staff.get('/staff/login')).text)?.[1] as string;
    await staff.post('/staff/login').type('form').send({ ...ADMIN, _csrf: csrf }).expect(303);
    // The dashboard's own screenshot link goes through the same check.
    expect((await staff.get(`/dashboard/results/${row.id}/screenshot`).expect(200)).headers['content-type']).toBe('image/png');

    const stored = [
      '/etc/passwd',
      outsidePng, // a PNG, but not under ARTIFACT_DIR
      `${ARTIFACTS}/../${basename(OUTSIDE)}/secret.png`, // `..` out of it
      `${ARTIFACTS}-evil/x.png`, // a sibling whose name starts like it
      link, // under it, but a link leading out
      textFile, // under it, but not a screenshot
    ];
    for (const path of stored) {
      await h.db.dataSource.query(`UPDATE job_results SET screenshot_path = $2 WHERE id = $1`, [row.id, path]);
      expect([path, (await as(keys.owner, url)).status]).toEqual([path, 404]);
      expect([path, (await staff.get(`/dashboard/results/${row.id}/screenshot`)).status]).toEqual([path, 404]);
    }
    // A row whose file was removed (artifacts cleaned up) still has a URL; fetching it is a 404.
    await h.db.dataSource.query(`UPDATE job_results SET screenshot_path = $2 WHERE id = $1`, [row.id, file]);
    rmSync(file);
    expectProblem(await as(keys.owner, url), 404);
  });
});
