import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../harness/root';
import { parseConfig } from '../src/config/config.schema';
import { readCatalogue, writeCatalogue } from '../src/directories/catalogue-file';
import { DirectoryAttention } from '../src/workers/directory-attention';
import { importDirectories } from '../src/directories/directory-store';
import { sandboxCatalogue, sandboxCatalogueFile, SANDBOX_CATALOGUE_FILE } from '../src/sandbox/catalogue';
import { OUTCOMES_CATALOGUE_FILE, outcomesCatalogue, outcomesCatalogueFile } from '../src/sandbox/features/outcomes';
import { LAYOUTS } from '../src/sandbox/adapters';
import { createTestDatabase, TestDatabase } from '../harness/database';

/** Catalogue files in and out of PostgreSQL: validation with paths, revisions, idempotent import. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('catalogue');
});
afterAll(() => db?.drop());

const directory = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Directory ${id}`,
  submitUrl: `https://${id}.example/add`,
  adapter: { ...LAYOUTS.classic, description: undefined },
  ...extra,
});
const fileOf = (...directories: unknown[]) => JSON.stringify({ directories });
const revisions = async (id: string) =>
  (await db.dataSource.query(`SELECT revision, submit_url FROM directory_revisions WHERE directory_id = $1 ORDER BY revision`, [id])) as Array<{ revision: number }>;

it('the committed sandbox catalogue file is what the sandbox serves', () => {
  expect(readFileSync(SANDBOX_CATALOGUE_FILE, 'utf8')).toBe(sandboxCatalogueFile());
  const read = readCatalogue(readFileSync(SANDBOX_CATALOGUE_FILE, 'utf8'), 'http://127.0.0.1:4555/');
  expect(read).toEqual({ ok: true, value: sandboxCatalogue('http://127.0.0.1:4555/') });
});

it('the committed outcomes feature file is what the sandbox serves under /f/outcomes', () => {
  expect(readFileSync(OUTCOMES_CATALOGUE_FILE, 'utf8')).toBe(outcomesCatalogueFile());
  expect(readCatalogue(readFileSync(OUTCOMES_CATALOGUE_FILE, 'utf8'), 'http://127.0.0.1:4555/')).toEqual({ ok: true, value: outcomesCatalogue('http://127.0.0.1:4555/') });
});

it('names the path of every mistake in a file, and of a repeated id', () => {
  const bad = fileOf(
    directory('ok-one'),
    { ...directory('Bad Id'), submitUrl: 'file:///etc/passwd' },
    directory('broken', { adapter: { ...LAYOUTS.classic, steps: [{ fields: [{ field: 'fax', target: { xpath: '//a' } }], advance: { css: '#go' } }] } }),
    directory('ok-one'),
    directory('no-version', { adapter: { ...LAYOUTS.classic, version: 2, permanentFailures: ['('] } }),
  );
  const read = readCatalogue(bad);
  expect(read.ok).toBe(false);
  const fields = read.ok ? [] : read.errors.map((e) => e.field);
  expect(fields).toEqual([
    'directories[1].id',
    'directories[1].submitUrl',
    'directories[2].adapter.steps[0].fields[0].field',
    'directories[2].adapter.steps[0].fields[0].target',
    'directories[3].id',
    'directories[4].adapter.version',
    'directories[4].adapter.permanentFailures[0]',
  ]);
  expect(readCatalogue('directories: [ {id: a').ok).toBe(false);
  expect(readCatalogue(fileOf({ ...directory('rel'), submitUrl: 'd/rel/' }))).toMatchObject({ ok: false, errors: [{ field: 'directories[0].submitUrl' }] });
});

it('imports idempotently; a changed definition is a new revision; directories left out are disabled', async () => {
  const m = db.dataSource.manager;
  const first = readCatalogue(fileOf(directory('alpha'), directory('beta'), directory('gamma', { enabled: false })));
  if (!first.ok) throw new Error(JSON.stringify(first.errors));
  expect(await importDirectories(m, first.value, { by: 'test', disableOthers: true })).toMatchObject({ added: ['alpha', 'beta', 'gamma'], changed: [], disabled: [] });
  expect(await importDirectories(m, first.value, { by: 'test', disableOthers: true })).toMatchObject({ added: [], changed: [], unchanged: ['alpha', 'beta', 'gamma'] });

  const renamedAndMoved = readCatalogue(fileOf(directory('alpha', { name: 'Alpha renamed' }), directory('beta', { submitUrl: 'https://beta.example/v2/add' })));
  if (!renamedAndMoved.ok) throw new Error(JSON.stringify(renamedAndMoved.errors));
  const dry = await importDirectories(m, renamedAndMoved.value, { by: 'test', disableOthers: true, dryRun: true });
  expect(dry).toMatchObject({ changed: ['alpha', 'beta'], revised: ['beta'], disabled: [] });
  expect((await revisions('beta')).length).toBe(1); // a dry run changes nothing

  // gamma was disabled already, so only enabled directories the file leaves out count.
  expect(await importDirectories(m, renamedAndMoved.value, { by: 'test', disableOthers: true })).toMatchObject({ changed: ['alpha', 'beta'], revised: ['beta'], disabled: [] });
  expect(await revisions('alpha')).toHaveLength(1);
  expect(await revisions('beta')).toEqual([
    { revision: 1, submit_url: 'https://beta.example/add' },
    { revision: 2, submit_url: 'https://beta.example/v2/add' },
  ]);
  const onlyAlpha = readCatalogue(fileOf(directory('alpha', { name: 'Alpha renamed' })));
  if (!onlyAlpha.ok) throw new Error('unreadable');
  expect(await importDirectories(m, onlyAlpha.value, { by: 'test', disableOthers: true })).toMatchObject({ unchanged: ['alpha'], disabled: ['beta'] });
});

it('an export read back is the same catalogue, in JSON and in YAML (shared adapters as anchors)', async () => {
  const m = db.dataSource.manager;
  const docs = sandboxCatalogue('http://127.0.0.1:4000/').slice(0, 12);
  await importDirectories(m, docs, { by: 'test', disableOthers: true });
  const rows = await db.dataSource.query(`SELECT id, name, submit_url AS "submitUrl", enabled, position, adapter FROM directories WHERE enabled ORDER BY position`);
  for (const format of ['json', 'yaml'] as const) {
    const text = writeCatalogue(rows, format);
    expect(readCatalogue(text)).toEqual({ ok: true, value: docs });
  }
  expect(writeCatalogue(rows, 'yaml')).toMatch(/adapter: \*a1/);
});

it('a directory pauses itself at the DIRECTORY_PAUSE_AFTER-th missing target in a row, once, and a working attempt starts the count again', async () => {
  const m = db.dataSource.manager;
  await importDirectories(m, [{ ...directory('redesigned'), enabled: true } as never], { by: 'test', disableOthers: false });
  const attention = new DirectoryAttention(db.dataSource, parseConfig({ DIRECTORY_PAUSE_AFTER: '3' }));
  const state = async () => (await db.dataSource.query(`SELECT target_misses, paused_at IS NOT NULL AS paused, paused_reason FROM directories WHERE id = 'redesigned'`))[0];
  expect(await attention.missed('redesigned', 'css #phone')).toBe(false);
  await attention.worked('redesigned');
  expect(await state()).toMatchObject({ target_misses: 0, paused: false });
  expect([await attention.missed('redesigned', 'a'), await attention.missed('redesigned', 'b'), await attention.missed('redesigned', 'css #phone')]).toEqual([false, false, true]);
  expect(await state()).toEqual({ target_misses: 3, paused: true, paused_reason: "3 attempts in a row found a target missing; the last waited for css #phone" });
  // An attempt that was running when it paused: still paused (its attempt is given back), audited once.
  expect(await attention.missed('redesigned', 'again')).toBe(true);
  expect(await db.dataSource.query(`SELECT actor, action FROM audit_log WHERE action = 'directory.pause'`)).toEqual([{ actor: 'worker', action: 'directory.pause' }]);
});

it("the README's example directory is a valid catalogue file", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const example = /## Adding a directory[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const read = readCatalogue(example ?? '');
  expect(read.ok ? [] : read.errors).toEqual([]);
  expect(read.ok && read.value[0].adapter.steps).toHaveLength(2);
});
