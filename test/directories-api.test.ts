import request from 'supertest';
import { createApiKey } from '../src/auth/api-keys.service';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';

/**
 * The admin API of the catalogue: CRUD with revisions and audit entries, each mistake in a
 * definition answered 422 with its path and nothing changed, scopes. Real API and PostgreSQL.
 */
let h: ApiHarness;
let reader: string;
let writer: string;

beforeAll(async () => {
  h = await startApiInProcess({ OUTBOX_POLL_MS: '100', RECONCILE_INTERVAL_MS: '3600000', RATE_LIMIT_PER_MINUTE: '1000000' });
  reader = (await createApiKey(h.db.dataSource.manager, { name: 'directory reader', scopes: ['jobs:read'], account: 'dir-readers' })).token;
  writer = (await createApiKey(h.db.dataSource.manager, { name: 'directory writer', scopes: ['jobs:write'], account: 'dir-writers' })).token;
});
afterAll(() => h?.close());

const as = (key: string) => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${key}`);
const admin = () => as(h.adminKey);
const API = '/api/v1/directories';

const adapter = (submit = '#submit') => ({
  version: 1,
  steps: [
    {
      fields: [
        { field: 'businessName', target: { label: 'Company name' } },
        { field: 'email', target: { css: '#email' } },
      ],
      advance: { css: submit },
    },
  ],
  success: { selectors: ['.thanks'] },
  failure: { selectors: ['.error'] },
  permanentFailures: ['already listed'],
});

const directory = (id: string) => ({ id, name: `Listings ${id}`, submitUrl: `https://${id}.example/add`, adapter: adapter() });

const auditOf = async (id: string) =>
  (await h.db.dataSource.query(`SELECT action, actor_type AS "actorType", actor, detail FROM audit_log WHERE detail->>'directory' = $1 ORDER BY id`, [id])) as Array<{
    action: string;
    actorType: string;
    actor: string;
    detail: Record<string, unknown>;
  }>;

describe('CRUD with an admin key', () => {
  it('creates, reads, replaces, patches and lists revisions, each change audited', async () => {
    const created = await admin().post(API).send(directory('round-trip')).expect(201);
    expect(created.body).toMatchObject({ id: 'round-trip', name: 'Listings round-trip', revision: 1, enabled: true, adapter: { ...adapter(), steps: [{ fields: [{ kind: 'fill' }, { kind: 'fill' }] }] } });
    expect((await as(reader).get(`${API}/round-trip`).expect(200)).body).toEqual(created.body);

    // PUT without id in the body: the path's; a new adapter makes revision 2.
    const { id: _id, ...body } = directory('round-trip');
    const replaced = await admin().put(`${API}/round-trip`).send({ ...body, adapter: adapter('#send') }).expect(200);
    expect(replaced.body).toMatchObject({ revision: 2, adapter: { steps: [{ advance: { css: '#send' } }] }, position: created.body.position });

    const renamed = await admin().patch(`${API}/round-trip`).send({ name: 'Round Trip Listings' }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'Round Trip Listings', revision: 2, submitUrl: 'https://round-trip.example/add' });

    const readapted = await admin().patch(`${API}/round-trip`).send({ adapter: adapter('#go') }).expect(200);
    expect(readapted.body).toMatchObject({ name: 'Round Trip Listings', revision: 3, adapter: { steps: [{ advance: { css: '#go' } }] } });

    const revisions = (await admin().get(`${API}/round-trip/revisions`).expect(200)).body.items;
    expect(revisions.map((r: { revision: number }) => r.revision)).toEqual([3, 2, 1]);
    expect(revisions.map((r: { adapter: { steps: Array<{ advance: { css: string } }> } }) => r.adapter.steps[0].advance.css)).toEqual(['#go', '#send', '#submit']);
    for (const r of revisions) {
      expect(Object.keys(r).sort()).toEqual(['adapter', 'createdAt', 'createdBy', 'revision', 'submitUrl']);
      expect(r).toMatchObject({ createdBy: 'tests', submitUrl: 'https://round-trip.example/add', createdAt: expect.any(String) });
    }

    expect(await auditOf('round-trip')).toEqual([
      { action: 'directory.create', actorType: 'api_key', actor: 'tests', detail: { directory: 'round-trip', revision: 1, newRevision: true } },
      { action: 'directory.update', actorType: 'api_key', actor: 'tests', detail: { directory: 'round-trip', revision: 2, newRevision: true } },
      { action: 'directory.update', actorType: 'api_key', actor: 'tests', detail: { directory: 'round-trip', revision: 2, newRevision: false } },
      { action: 'directory.update', actorType: 'api_key', actor: 'tests', detail: { directory: 'round-trip', revision: 3, newRevision: true } },
    ]);
  });

  it('keeps a disabled directory disabled when PUT or PATCH leaves enabled out', async () => {
    await admin().post(API).send({ ...directory('kept-off'), enabled: false }).expect(201);
    const { id: _id, ...rest } = directory('kept-off');
    expect((await admin().put(`${API}/kept-off`).send({ ...rest, name: 'Kept off, renamed' }).expect(200)).body).toMatchObject({ enabled: false, name: 'Kept off, renamed' });
    expect((await admin().patch(`${API}/kept-off`).send({ position: 77 }).expect(200)).body).toMatchObject({ enabled: false, position: 77 });
    expect((await admin().put(`${API}/kept-off`).send({ ...rest, enabled: true }).expect(200)).body).toMatchObject({ enabled: true });
  });

  it('resumes a directory that paused itself, and says so when it is not paused', async () => {
    await admin().post(API).send(directory('paused-one')).expect(201);
    const notPaused = await admin().post(`${API}/paused-one/resume`).expect(409);
    expect(notPaused.body.detail).toMatch(/not paused/);
    await admin().post(`${API}/no-such-one/resume`).expect(404);
    // As DirectoryAttention leaves it after DIRECTORY_PAUSE_AFTER misses in a row.
    await h.db.dataSource.query(`UPDATE directories SET paused_at = now(), paused_reason = 'targets missing', target_misses = 5 WHERE id = 'paused-one'`);
    expect((await admin().get(`${API}/paused-one`).expect(200)).body).toMatchObject({ pausedReason: 'targets missing', targetMisses: 5, pausedAt: expect.any(String) });
    expect((await admin().post(`${API}/paused-one/resume`).expect(200)).body).toMatchObject({ pausedAt: null, pausedReason: null, targetMisses: 0 });
    expect((await auditOf('paused-one')).map((a: { action: string }) => a.action)).toEqual(['directory.create', 'directory.resume']);
  });

  it('deletes a directory no result points at, and disables one that results name', async () => {
    await admin().post(API).send(directory('unused')).expect(201);
    expect((await admin().delete(`${API}/unused`).expect(200)).body).toEqual({ id: 'unused', outcome: 'deleted' });
    await admin().get(`${API}/unused`).expect(404);

    await admin().post(API).send(directory('used')).expect(201);
    const customerId = (await admin().post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
    await admin().post('/api/v1/jobs').send({ customerId, directoryIds: ['used'] }).expect(201);
    const removal = (await admin().delete(`${API}/used`).expect(200)).body;
    expect(removal).toEqual({ id: 'used', outcome: 'disabled', reason: expect.any(String) });
    expect((await admin().get(`${API}/used`).expect(200)).body).toMatchObject({ id: 'used', enabled: false, revision: 1 });
    const listed = (await admin().get(API).expect(200)).body.items.map((d: { id: string }) => d.id);
    expect(listed).not.toContain('used');
    expect((await admin().get(`${API}?includeDisabled=true`).expect(200)).body.items.map((d: { id: string }) => d.id)).toContain('used');

    expect((await auditOf('unused')).map((e) => e.action)).toEqual(['directory.create', 'directory.delete']);
    expect((await auditOf('used')).map((e) => e.action)).toEqual(['directory.create', 'directory.disable']);
  });
});

describe('bad definitions', () => {
  const good = directory('kept-as-is');
  const mistakes: Array<[string, 'post' | 'put' | 'patch', unknown, string]> = [];
  const withAdapter = (change: (a: ReturnType<typeof adapter>) => unknown) => ({ ...good, adapter: change(adapter()) });
  const firstStep = (a: ReturnType<typeof adapter>) => a.steps[0] as Record<string, unknown>;
  mistakes.push(
    ['an unknown customer field', 'put', withAdapter((a) => ((firstStep(a).fields as Array<Record<string, unknown>>)[1].field = 'fax', a)), 'adapter.steps[0].fields[1].field'],
    ['a target with neither css nor label', 'put', withAdapter((a) => ((firstStep(a).fields as Array<Record<string, unknown>>)[0].target = { xpath: '//input' }, a)), 'adapter.steps[0].fields[0].target'],
    ['a step without advance', 'put', withAdapter((a) => (delete firstStep(a).advance, a)), 'adapter.steps[0].advance'],
    ['a bad regexp in permanentFailures', 'put', withAdapter((a) => ({ ...a, permanentFailures: ['fine', '(unclosed'] })), 'adapter.permanentFailures[1]'],
    ['version 2', 'put', withAdapter((a) => ({ ...a, version: 2 })), 'adapter.version'],
    ['a submitUrl that is not http(s)', 'put', { ...good, submitUrl: 'ftp://kept-as-is.example/add' }, 'submitUrl'],
    ['an unknown key in a step', 'put', withAdapter((a) => ({ ...a, steps: [{ ...a.steps[0], colour: 'blue' }] })), 'adapter.steps[0]'],
    ['an id that is not the one in the path', 'put', { ...good, id: 'another-one' }, 'id'],
    ['an unknown key in a patch', 'patch', { name: 'New name', owner: 'me' }, '(body)'],
    ['a patched adapter with an empty label', 'patch', { adapter: withAdapter((a) => ((firstStep(a).fields as Array<Record<string, unknown>>)[0].target = { label: '  ' }, a)).adapter }, 'adapter.steps[0].fields[0].target.label'],
    ['a new directory whose id has capitals', 'post', { ...good, id: 'Kept-As-Is-2' }, 'id'],
  );

  beforeAll(async () => {
    await admin().post(API).send(good).expect(201);
  });

  it.each(mistakes)('%s: 422 naming the path, nothing changed', async (_what, method, body, field) => {
    const before = (await admin().get(`${API}/kept-as-is`).expect(200)).body;
    const revisionsBefore = (await admin().get(`${API}/kept-as-is/revisions`).expect(200)).body.items.length;
    const audited = (await auditOf('kept-as-is')).length;
    const directories = (await h.db.dataSource.query(`SELECT count(*)::int AS n FROM directories`))[0].n;

    const res = await admin()[method](method === 'post' ? API : `${API}/kept-as-is`).send(body as object);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/invalid-definition', status: 422 });
    expect(res.body.errors).toEqual([{ field, messages: [expect.any(String)] }]);

    expect((await admin().get(`${API}/kept-as-is`).expect(200)).body).toEqual(before);
    expect((await admin().get(`${API}/kept-as-is/revisions`).expect(200)).body.items.length).toBe(revisionsBefore);
    expect((await auditOf('kept-as-is')).length).toBe(audited);
    expect((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM directories`))[0].n).toBe(directories);
  });

  it('names every mistake of one body at once', async () => {
    const body = { ...good, name: '', adapter: { ...adapter(), version: 2, steps: [] } };
    const res = await admin().put(`${API}/kept-as-is`).send(body).expect(422);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['adapter.steps', 'adapter.version', 'name']);
  });

  it('refuses a body that is not a JSON object before the schema sees it', async () => {
    const res = await admin().post(API).set('content-type', 'application/json').send('[1, 2]').expect(400);
    expect(res.body.type).toBe('/problems/malformed-body');
  });
});

describe('scopes and ids', () => {
  beforeAll(async () => {
    await admin().post(API).send(directory('scoped')).expect(201);
  });

  it('lets jobs:read and jobs:write keys read, and refuses them every write with 403', async () => {
    for (const key of [reader, writer]) {
      await as(key).get(`${API}/scoped`).expect(200);
      await as(key).get(API).expect(200);
      const refusals = [
        await as(key).post(API).send(directory('scoped-2')),
        await as(key).put(`${API}/scoped`).send(directory('scoped')),
        await as(key).patch(`${API}/scoped`).send({ name: 'Taken over' }),
        await as(key).delete(`${API}/scoped`),
        await as(key).get(`${API}/scoped/revisions`),
      ];
      expect(refusals.map((r) => [r.status, r.body.type])).toEqual(Array(5).fill([403, '/problems/forbidden']));
    }
    expect((await admin().get(`${API}/scoped`).expect(200)).body).toMatchObject({ name: 'Listings scoped', enabled: true, revision: 1 });
    await admin().get(`${API}/scoped-2`).expect(404);
  });

  it('answers 401 without a key', async () => {
    for (const res of [await request(h.app.getHttpServer()).get(`${API}/scoped`), await request(h.app.getHttpServer()).post(API).send(directory('keyless'))]) {
      expect([res.status, res.body.type]).toEqual([401, '/problems/unauthorized']);
    }
  });

  it('answers 404 for an unknown id on every route, and 409 for a POST of an id that exists', async () => {
    const unknown = [
      await admin().get(`${API}/no-such-directory`),
      await admin().get(`${API}/no-such-directory/revisions`),
      await admin().put(`${API}/no-such-directory`).send(directory('no-such-directory')),
      await admin().patch(`${API}/no-such-directory`).send({ name: 'x' }),
      await admin().delete(`${API}/no-such-directory`),
    ];
    expect(unknown.map((r) => [r.status, r.body.type])).toEqual(Array(5).fill([404, '/problems/not-found']));

    const conflict = await admin().post(API).send({ ...directory('scoped'), name: 'Second' }).expect(409);
    expect(conflict.body.type).toBe('/problems/conflict');
    expect((await admin().get(`${API}/scoped`).expect(200)).body.name).toBe('Listings scoped');
  });
});

describe('GET /directories/schema', () => {
  it('answers the JSON Schema of a directory to any valid key, adapter steps included', async () => {
    for (const key of [reader, writer, h.adminKey]) {
      const schema = (await as(key).get(`${API}/schema`).expect(200)).body;
      expect(schema).toMatchObject({ $schema: expect.stringContaining('json-schema.org'), type: 'object', title: 'Boltline directory' });
      expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'submitUrl', 'adapter']));
      expect(schema.properties.adapter.properties.steps).toMatchObject({ type: 'array', items: { properties: { advance: expect.any(Object) } } });
    }
    await request(h.app.getHttpServer()).get(`${API}/schema`).expect(401);
  });
});

describe('OpenAPI', () => {
  it('documents each route, with request bodies that are the schema the service checks', async () => {
    const doc = (await request(h.app.getHttpServer()).get('/docs-json').expect(200)).body;
    const routes = Object.entries(doc.paths as Record<string, object>)
      .filter(([path]) => path.startsWith(API))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      ['GET /api/v1/directories', 'POST /api/v1/directories', 'GET /api/v1/directories/schema', 'GET /api/v1/directories/{id}', 'PUT /api/v1/directories/{id}', 'PATCH /api/v1/directories/{id}', 'DELETE /api/v1/directories/{id}', 'GET /api/v1/directories/{id}/revisions', 'GET /api/v1/directories/{id}/credentials', 'PUT /api/v1/directories/{id}/credentials', 'DELETE /api/v1/directories/{id}/credentials', 'POST /api/v1/directories/{id}/resume'].sort(),
    );
    const bodyOf = (method: string, path: string) => {
      const ref: string = doc.paths[path][method].requestBody.content['application/json'].schema.$ref;
      return doc.components.schemas[ref.replace('#/components/schemas/', '')];
    };
    for (const [method, path] of [['post', API], ['put', `${API}/{id}`]]) {
      expect(bodyOf(method, path)).toMatchObject({ type: 'object', required: expect.arrayContaining(['id', 'adapter']), properties: { adapter: { properties: { steps: { type: 'array' } } } } });
    }
    const patch = bodyOf('patch', `${API}/{id}`);
    expect(patch.required).toBeUndefined();
    expect(Object.keys(patch.properties).sort()).toEqual(['adapter', 'enabled', 'name', 'position', 'submitUrl']);
  });
});
