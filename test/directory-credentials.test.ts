import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { parseConfig } from '../src/config/config.schema';
import { AuditService } from '../src/audit/audit.service';
import { CredentialsService } from '../src/directories/credentials.service';
import { checkSecretsKey } from '../src/directories/secrets-key';
import { ApiHarness, startApiInProcess } from './support/api-app';
import { CREDENTIAL_MARKER } from './support/log-scan';

/**
 * Directories' sign-ins are write-only: stored sealed with SECRETS_KEY, never in an answer, the
 * audit log or the database in clear, and a process refuses to start without the key once one is
 * stored. (The log scan that ends the run looks for CREDENTIAL_MARKER in every log line.)
 */
const KEY = randomBytes(32).toString('base64');
const SECRET = `${CREDENTIAL_MARKER}${randomBytes(8).toString('hex')}`;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiInProcess({ SECRETS_KEY: KEY });
});
afterAll(() => h?.close());

const admin = () => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
const URL_OF = (id: string) => `/api/v1/directories/${id}/credentials`;

// Config is read once per process, so a process without the key is the service built on another config.
const serviceWith = (env: Record<string, string>) => new CredentialsService(h.db.dataSource, parseConfig(env), new AuditService(h.db.dataSource));
const actor = { actorType: 'system' as const, actor: 'test' };

it('refuses to store a credential where SECRETS_KEY is not set', async () => {
  await expect(serviceWith({}).set('sandbox-0001', { values: { password: SECRET } }, actor)).rejects.toThrow(/SECRETS_KEY is not set on this API/);
  await admin().get(URL_OF('sandbox-0001')).expect(404);
});

it('names what is wrong with a credentials body', async () => {
  for (const [body, field] of [
    [{ values: {} }, 'values'],
    [{ values: { password: 5 } }, 'values.password'],
    [{ values: { '1bad': 'x' } }, 'values.1bad'],
    [{ value: { password: 'x' } }, 'values'],
  ] as const) {
    const res = await admin().put(URL_OF('sandbox-0001')).send(body).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  }
  await admin().put(URL_OF('no-such-directory')).send({ values: { password: 'x' } }).expect(404);
});

it('stores a sign-in sealed and never shows it again: not in any answer, the audit log or the database in clear', async () => {
  const stored = await admin().put(URL_OF('sandbox-0002')).send({ values: { username: 'owner@example.com', password: SECRET } }).expect(200);
  expect(stored.body).toEqual({ names: ['password', 'username'], updatedBy: 'tests', updatedAt: expect.any(String) });

  const answers = await Promise.all(
    [URL_OF('sandbox-0002'), '/api/v1/directories/sandbox-0002', '/api/v1/directories/sandbox-0002/revisions', '/api/v1/directories?includeDisabled=true', '/api/v1/audit?limit=200'].map(
      async (path) => (await admin().get(path).expect(200)).text,
    ),
  );
  for (const text of [stored.text, ...answers]) expect(text).not.toContain(SECRET);
  expect(answers[4]).toContain('directory.credentials.set');

  const [row] = await h.db.dataSource.query(`SELECT names, sealed, key_id FROM directory_credentials WHERE directory_id = 'sandbox-0002'`);
  expect(row.names).toEqual(['password', 'username']);
  expect((row.sealed as Buffer).includes(Buffer.from(SECRET))).toBe(false);
  const dump = await h.db.dataSource.query(`SELECT string_agg(t::text, ' ') AS all FROM (SELECT * FROM audit_log) t`);
  expect(dump[0].all).not.toContain(SECRET);
});

it('once a credential is stored, a process without SECRETS_KEY or with another key refuses to start', async () => {
  await admin().put(URL_OF('sandbox-0003')).send({ values: { password: SECRET } }).expect(200);
  await expect(serviceWith({}).onApplicationBootstrap()).rejects.toThrow(/SECRETS_KEY is not set, but directory credentials are stored/);
  await expect(checkSecretsKey(h.db.dataSource, parseConfig({}))).rejects.toThrow(/SECRETS_KEY is not set/);
  const other = parseConfig({ SECRETS_KEY: randomBytes(32).toString('hex') });
  await expect(checkSecretsKey(h.db.dataSource, other)).rejects.toThrow(/not the key 2 stored directory credential\(s\) were sealed with/);
  await expect(checkSecretsKey(h.db.dataSource, parseConfig({ SECRETS_KEY: KEY }))).resolves.toBeUndefined();

  await admin().delete(URL_OF('sandbox-0003')).expect(204);
  await admin().delete(URL_OF('sandbox-0003')).expect(404);
  await admin().get(URL_OF('sandbox-0003')).expect(404);
});

it('is for admins only', async () => {
  const { createApiKey } = await import('../src/auth/api-keys.service');
  const { token } = await createApiKey(h.db.dataSource.manager, { name: 'reader', scopes: ['jobs:read'], account: 'readers' });
  const reader = () => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${token}`);
  await reader().get(URL_OF('sandbox-0002')).expect(403);
  await reader().put(URL_OF('sandbox-0002')).send({ values: { password: 'x' } }).expect(403);
  await reader().delete(URL_OF('sandbox-0002')).expect(403);
});
