import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { LOGO_MAX_BYTES } from '../src/customers/customer-logo';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { JPEG_HEAD, PNG_1X1 } from './support/images';

/**
 * A customer's logo: stored as a file under ARTIFACT_DIR (never in the database), checked for its
 * type, size and first bytes, served back and forgotten with the customer's own key scoping.
 */
const ARTIFACTS = mkdtempSync(join(tmpdir(), 'boltline-logo-'));
let h: ApiHarness;
let mine: string;
let theirs: string;

beforeAll(async () => {
  h = await startApiInProcess({ ARTIFACT_DIR: ARTIFACTS });
  const m = h.db.dataSource.manager;
  mine = (await createApiKey(m, { name: 'mine', scopes: ['jobs:read', 'jobs:write'], account: 'logo-a' })).token;
  theirs = (await createApiKey(m, { name: 'theirs', scopes: ['jobs:read', 'jobs:write'], account: 'logo-b' })).token;
});
afterAll(() => h?.close());

const as = (token: string) => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${token}`);
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const newCustomer = async () => (await as(mine).post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id as string;
const putLogo = (id: string, type: string, body: Buffer | string, token = mine) => as(token).put(`/api/v1/customers/${id}/logo`).set('content-type', type).send(body);

it('stores a logo as a file under ARTIFACT_DIR, shows it on the customer and serves it back', async () => {
  const id = await newCustomer();
  expect((await as(mine).get(`/api/v1/customers/${id}`).expect(200)).body.logo).toBeNull();
  await as(mine).get(`/api/v1/customers/${id}/logo`).expect(404);

  const put = await putLogo(id, 'image/png', PNG_1X1).expect(200);
  expect(put.body).toMatchObject({ id, logo: { type: 'image/png', bytes: PNG_1X1.length, sha256: hex(PNG_1X1) } });
  expect(put.body).not.toHaveProperty('logoPath');
  expect(readFileSync(join(ARTIFACTS, 'logos', `${id}.png`))).toEqual(PNG_1X1);
  expect((await as(mine).get(`/api/v1/customers/${id}`).expect(200)).body.logo).toEqual(put.body.logo);
  const listed = (await as(mine).get('/api/v1/customers').expect(200)).body.items.find((c: { id: string }) => c.id === id);
  expect(listed.logo).toEqual(put.body.logo);

  const served = await as(mine).get(`/api/v1/customers/${id}/logo`).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  }).expect(200);
  expect(served.headers['content-type']).toBe('image/png');
  expect(served.headers.etag).toBe(`"${hex(PNG_1X1)}"`);
  expect(served.body).toEqual(PNG_1X1);

  // Replaced by a JPEG: the PNG's file goes, nothing half-written stays behind.
  const jpeg = Buffer.concat([JPEG_HEAD, Buffer.alloc(100, 7)]);
  expect((await putLogo(id, 'image/jpeg', jpeg).expect(200)).body.logo).toEqual({ type: 'image/jpeg', bytes: jpeg.length, sha256: hex(jpeg) });
  expect(readdirSync(join(ARTIFACTS, 'logos')).filter((f) => f.startsWith(id))).toEqual([`${id}.jpg`]);
});

it('refuses another type (415), a body past 2 MB (413) and bytes that are not the type named (422), storing nothing', async () => {
  const id = await newCustomer();
  const refused = [
    [await putLogo(id, 'image/gif', Buffer.from('GIF89a')), 415, 'unsupported-media-type'],
    [await as(mine).put(`/api/v1/customers/${id}/logo`).send({ logo: 'x' }), 415, 'unsupported-media-type'],
    [await putLogo(id, 'image/png', Buffer.concat([PNG_1X1, Buffer.alloc(LOGO_MAX_BYTES)])), 413, 'payload-too-large'],
    [await putLogo(id, 'image/png', JPEG_HEAD), 422, 'unprocessable'],
    [await putLogo(id, 'image/webp', PNG_1X1), 422, 'unprocessable'],
    [await putLogo(id, 'image/png', Buffer.alloc(0)), 422, 'unprocessable'],
  ] as const;
  expect(refused.map(([res]) => [res.status, res.body.type])).toEqual(refused.map(([, status, kind]) => [status, `/problems/${kind}`]));
  expect(refused[0][0].body.detail).toMatch(/image\/png, image\/jpeg, image\/webp/);
  expect(refused[2][0].body.detail).toBe('The logo is larger than 2 MB.');
  expect(refused[3][0].body.detail).toMatch(/not a PNG image/);
  expect((await as(mine).get(`/api/v1/customers/${id}`).expect(200)).body.logo).toBeNull();
  expect(existsSync(join(ARTIFACTS, 'logos', `${id}.png`))).toBe(false);
});

it("keeps a logo to the customer's account: another account's key neither sees, replaces nor forgets it", async () => {
  const id = await newCustomer();
  await putLogo(id, 'image/png', PNG_1X1).expect(200);
  await putLogo(id, 'image/png', PNG_1X1, theirs).expect(404);
  await as(theirs).get(`/api/v1/customers/${id}/logo`).expect(404);
  await as(theirs).delete(`/api/v1/customers/${id}/logo`).expect(404);
  await as(h.adminKey).get(`/api/v1/customers/${id}/logo`).expect(200);
  expect(existsSync(join(ARTIFACTS, 'logos', `${id}.png`))).toBe(true);
});

it('forgets a logo: the row and the file; forgetting none is fine', async () => {
  const id = await newCustomer();
  await putLogo(id, 'image/png', PNG_1X1).expect(200);
  await as(mine).delete(`/api/v1/customers/${id}/logo`).expect(204);
  expect((await as(mine).get(`/api/v1/customers/${id}`).expect(200)).body.logo).toBeNull();
  await as(mine).get(`/api/v1/customers/${id}/logo`).expect(404);
  expect(existsSync(join(ARTIFACTS, 'logos', `${id}.png`))).toBe(false);
  await as(mine).delete(`/api/v1/customers/${id}/logo`).expect(204);
  const [row] = await h.db.dataSource.query('SELECT logo_path, logo_type, logo_bytes, logo_sha256 FROM customers WHERE id = $1', [id]);
  expect(row).toEqual({ logo_path: null, logo_type: null, logo_bytes: null, logo_sha256: null });
});
