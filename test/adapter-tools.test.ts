import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { PROJECT_ROOT } from '../harness/root';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import type { TryResult } from '../src/authoring/try';
import { createStaff } from '../src/auth/staff.service';
import { LAYOUT_NAMES, type LayoutName } from '../src/sandbox/adapters';
import { SANDBOX_CATALOGUE_FILE, sandboxCatalogue } from '../src/sandbox/catalogue';
import { startSandbox, type SandboxHandle } from '../src/sandbox/sandbox-server';
import { FORMS_CATALOGUE_FILE } from '../src/sandbox/features/forms';
import { startApiInProcess, type ApiHarness } from './support/api-app';
import { directoryOf } from './support/sandbox-fixtures';

/**
 * The adapter author's tools as an author runs them (`npm run directories -- suggest | try`, as
 * child processes with their own Chromium), on the sandbox's five layouts.
 */
let sandbox: SandboxHandle;
let scratch: string;

type Run = { code: number; stdout: string; stderr: string };

async function directories(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'dist', 'src', 'authoring', 'directories.cli.js'), ...args], {
      // The sandbox listens on loopback: the tools' egress proxy refuses that unless exempted, as the workers' does.
      env: { ...process.env, EGRESS_PRIVATE_ORIGINS: sandbox.url, ...env },
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function tryJson(args: string[], env?: Record<string, string>): Promise<{ run: Run; result: TryResult }> {
  const run = await directories(['try', ...args, '--json'], env);
  return { run, result: JSON.parse(run.stdout) as TryResult };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, slowMs: 300 });
  scratch = mkdtempSync(join(tmpdir(), 'boltline-adapter-tools-'));
});

afterAll(async () => {
  await sandbox?.close();
});

/** What the suggestion cannot see from the first page: its later steps. Those drafts need a person. */
const MULTI_STEP: readonly LayoutName[] = ['two-step', 'wizard'];

describe('suggest, then try, on each sandbox layout', () => {
  const catalogue = () => sandboxCatalogue(`${sandbox.url}/`);

  it.each(LAYOUT_NAMES)('%s', async (layout) => {
    const dir = directoryOf(catalogue(), layout);
    const draft = join(scratch, `${layout}.yaml`);
    const suggested = await directories(['suggest', dir.submitUrl, '--out', draft]);
    expect(suggested).toMatchObject({ code: 0 });
    const yaml = readFileSync(draft, 'utf8');
    expect(yaml).toMatch(/# based on: label "/);

    const shots = join(scratch, `shots-${layout}`);
    const { run, result } = await tryJson([draft, '--out', shots]);
    // Every target the draft names is on the page, and the run got to the submit click and stopped.
    expect(result.targets.filter((t) => t.status !== 'matched')).toEqual([]);
    expect(result).toMatchObject({ reachedSubmit: true, submitted: false, ok: true });
    expect(run.code).toBe(0);
    expect(readdirSync(shots)).toEqual(['step-1.png']);
    if (MULTI_STEP.includes(layout)) {
      // It passes Try, but only its first page: the draft says so, and a person adds the rest.
      expect(yaml).toMatch(/more steps|hidden \(a later step/);
      expect(result.targets.every((t) => t.step === 1)).toBe(true);
    } else {
      // The whole form: all eleven customer fields and the submit button.
      expect(result.targets.map((t) => t.role).sort()).toEqual([...dir.adapter.steps[0].fields.map((f) => f.field), 'advance'].sort());
    }
    expect(sandbox.received()).toEqual([]);
  });
});

describe('try', () => {
  it('names a target that does not match, with why, and fails', async () => {
    const draft = readFileSync(join(scratch, 'labelled.yaml'), 'utf8');
    const broken = join(scratch, 'labelled-broken.yaml');
    writeFileSync(broken, draft.replace('label: Telephone', 'label: Phone'));
    const { run, result } = await tryJson([broken, '--out', join(scratch, 'shots-broken')]);
    expect(run.code).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.reachedSubmit).toBe(false);
    expect(result.targets.filter((t) => t.status !== 'matched')).toEqual([
      expect.objectContaining({ step: 1, role: 'phone', target: { label: 'Phone' }, status: 'not-found', why: expect.stringContaining('exactly "Phone"') }),
    ]);
    expect(readdirSync(join(scratch, 'shots-broken'))).toEqual(['step-1-failed.png']);
    expect(sandbox.received()).toEqual([]);
  });

  it("gives the sample customer a logo for an upload field, and finds the file input the field names", async () => {
    const shots = join(scratch, 'shots-upload');
    const { result } = await tryJson([FORMS_CATALOGUE_FILE, '--id', 'forms-upload', '--base-url', `${sandbox.url}/`, '--out', shots]);
    expect(result).toMatchObject({ ok: true, reachedSubmit: true, submitted: false });
    expect(result.targets.map((t) => [t.role, t.status])).toEqual([['businessName', 'matched'], ['logo', 'matched'], ['advance', 'matched']]);
    expect(readdirSync(shots).sort()).toEqual(['sample-logo.png', 'step-1.png']);
    expect(sandbox.received()).toEqual([]);
  });

  it('runs a catalogue directory by id through every step of its adapter, submitting nothing', async () => {
    const db: TestDatabase = await createTestDatabase();
    try {
      const env = { DATABASE_URL: db.url };
      expect(await directories(['import', SANDBOX_CATALOGUE_FILE, '--base-url', `${sandbox.url}/`], env)).toMatchObject({ code: 0 });
      const wizard = directoryOf(sandboxCatalogue(`${sandbox.url}/`), 'wizard');
      const { result } = await tryJson([wizard.id, '--out', join(scratch, 'shots-wizard-id')], env);
      expect(result).toMatchObject({ ok: true, reachedSubmit: true, submitted: false });
      expect(new Set(result.targets.map((t) => t.step))).toEqual(new Set([1, 2]));
      expect(readdirSync(join(scratch, 'shots-wizard-id')).sort()).toEqual(['step-1.png', 'step-2.png']);
      expect(sandbox.received()).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('refuses --submit off a terminal without --yes, and with it submits exactly once', async () => {
    const draft = join(scratch, 'classic.yaml');
    const refused = await directories(['try', draft, '--submit']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--yes/);
    expect(sandbox.received()).toEqual([]);

    const { run, result } = await tryJson([draft, '--submit', '--yes', '--out', join(scratch, 'shots-submit')]);
    expect(result).toMatchObject({ ok: true, submitted: true, outcome: { kind: 'submitted' } });
    expect(run.code).toBe(0);
    expect(sandbox.received()).toHaveLength(1);
    expect(readdirSync(join(scratch, 'shots-submit')).sort()).toEqual(['answer.png', 'step-1.png']);
  });
});

// Last: the in-process API sets this process's environment (config is read once per process).
describe('the dashboard’s Try and Suggest buttons', () => {
  let h: ApiHarness;
  const ADMIN = { email: 'tools-admin@dashboard.example', password: 'adapter tools admin' };
  const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  beforeAll(async () => {
    h = await startApiInProcess({ EGRESS_PRIVATE_ORIGINS: sandbox.url, ARTIFACT_DIR: join(scratch, 'artifacts') }, `${sandbox.url}/`);
    await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  });
  afterAll(() => h?.close());

  async function admin() {
    const a = request.agent(h.app.getHttpServer());
    const csrfOf = async (path: string) => /name="_csrf" value="([^"]+)"/.exec((await a.get(path)).text)?.[1] as string;
    // The token first: the request takes the agent's cookies when it is made.
    const loginToken = await csrfOf('/staff/login');
    await a.post('/staff/login').type('form').send({ ...ADMIN, _csrf: loginToken }).expect(303);
    return { a, csrf: await csrfOf('/dashboard/directories') };
  }

  it('Try runs a catalogue directory through every step up to the submit click, with screenshots for staff only; Suggest drafts one that saves', async () => {
    const { a, csrf } = await admin();
    // The --submit test above sent one: nothing more arrives from here on.
    const received = sandbox.received().length;
    const wizard = directoryOf(sandboxCatalogue(`${sandbox.url}/`), 'wizard');
    const page = (await a.post(`/dashboard/directories/${wizard.id}/try`).type('form').send({ _csrf: csrf }).expect(200)).text;
    expect(page).toContain('OK: every target matched and the run stopped right before the submit click; nothing was submitted.');
    const statuses = [...page.matchAll(/<tr data-status="([^"]+)"><td>(\d)</g)].map((m) => [m[1], m[2]]);
    expect(new Set(statuses.map(([, step]) => step))).toEqual(new Set(['1', '2']));
    expect(statuses.filter(([status]) => status !== 'matched')).toEqual([]);
    const shots = [...page.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(shots.map((s) => s.split('/').at(-1))).toEqual(['step-1.png', 'step-2.png']);
    const shot = await a.get(shots[0]).expect(200);
    expect(shot.headers['content-type']).toBe('image/png');
    await request(h.app.getHttpServer()).get(shots[0]).expect(401);
    expect(sandbox.received()).toHaveLength(received);

    const classic = directoryOf(sandboxCatalogue(`${sandbox.url}/`), 'classic');
    const draft = (await a.post('/dashboard/directories/suggest').type('form').send({ _csrf: csrf, url: classic.submitUrl }).expect(200)).text;
    const text = unescape(/<textarea id="definition-text"[^>]*>([\s\S]*?)<\/textarea>/.exec(draft)?.[1] ?? '');
    expect(text).toMatch(/# based on: label "/);
    expect(text).toContain(`submitUrl: ${classic.submitUrl}`);
    const saved = await a.post('/dashboard/directories').type('form').send({ _csrf: csrf, definition: text }).expect(303);
    const id = saved.headers.location.split('/').at(-1);
    const [row] = await h.db.dataSource.query(`SELECT enabled, submit_url FROM directories WHERE id = $1`, [id]);
    expect(row).toEqual({ enabled: false, submit_url: classic.submitUrl });
    expect(sandbox.received()).toHaveLength(received);
  });
});
