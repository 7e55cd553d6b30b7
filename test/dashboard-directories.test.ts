import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createStaff } from '../src/auth/staff.service';
import { parseConfig } from '../src/config/config.schema';
import { dashboardTemplates } from '../src/dashboard/templates';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { CREDENTIAL_MARKER } from './support/log-scan';

/**
 * The dashboard's Directories pages over real HTTP against PostgreSQL, with the sandbox's 520
 * directories imported and no worker: results are put into their final states directly.
 */
let h: ApiHarness;
const ADMIN = { email: 'catalogue-admin@dashboard.example', password: 'directories pages admin' };
const VIEWER = { email: 'catalogue-viewer@dashboard.example', password: 'directories pages viewer' };

beforeAll(async () => {
  h = await startApiInProcess({ RATE_LIMIT_PER_MINUTE: '1000000', SECRETS_KEY: randomBytes(32).toString('base64') });
  await createStaff(h.db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin');
  await createStaff(h.db.dataSource.manager, VIEWER.email, VIEWER.password, 'viewer');
});
afterAll(async () => {
  await h?.close();
});

const api = () => request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const editorText = (html: string) => unescape(/<textarea id="definition-text"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1] ?? '');
const row = async (id: string) => (await h.db.dataSource.query(`SELECT enabled, position, revision, adapter FROM directories WHERE id = $1`, [id]))[0];
const audit = (id: string) => h.db.dataSource.query(`SELECT actor_type, actor, action, detail FROM audit_log WHERE detail->>'directory' = $1 ORDER BY id`, [id]);

/** A signed-in staff agent and a CSRF token for its forms. */
async function staff(member: { email: string; password: string }) {
  const a = request.agent(h.app.getHttpServer());
  const csrfOf = async (path: string) => /name="_csrf" value="([^"]+)"/.exec((await a.get(path)).text)?.[1] as string;
  const loginToken = await csrfOf('/staff/login');
  await a.post('/staff/login').type('form').send({ ...member, _csrf: loginToken }).expect(303);
  return { a, csrf: await csrfOf('/dashboard/directories') };
}

describe('the Directories pages', () => {
  it('show viewers every directory, its success rate and last error, and one directory in full, with no forms', async () => {
    const customerId = (await api().post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
    const job = (await api().post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0003', 'sandbox-0004'] }).expect(201)).body;
    await h.db.dataSource.query(`UPDATE job_results SET status = 'submitted', finished_at = now() - interval '1 minute' WHERE job_id = $1 AND directory_id = 'sandbox-0004'`, [job.id]);
    await h.db.dataSource.query(`UPDATE job_results SET status = 'failed', finished_at = now(), error_message = 'captcha <shown>; cannot continue' WHERE job_id = $1 AND directory_id = 'sandbox-0003'`, [job.id]);
    await h.db.dataSource.query(`UPDATE directories SET enabled = false WHERE id = 'sandbox-0002'`);
    const { a } = await staff(VIEWER);

    const list = await a.get('/dashboard/directories').expect(200);
    expect(list.text).toContain('520 directories, page 1 of 6.');
    expect(list.text).toContain('<a href="/dashboard/directories" aria-current="page">Directories</a>');
    const rowOf = (id: string) => new RegExp(`data-directory="${id}">([\\s\\S]*?)</tr>`).exec(list.text)?.[1] ?? '';
    expect(rowOf('sandbox-0002')).toContain('>disabled</span>');
    expect(rowOf('sandbox-0003')).toMatch(/0 % <small>\(0 of 1\)[\s\S]*captcha &lt;shown&gt;; cannot continue/);
    expect(rowOf('sandbox-0004')).toMatch(/100 % <small>\(1 of 1\)/);
    expect(rowOf('sandbox-0005')).toContain('no results yet');
    expect(list.text).not.toContain('sandbox-0101');
    const last = await a.get('/dashboard/directories?page=6').expect(200);
    expect(last.text).toContain('data-directory="sandbox-0520"');

    const detail = await a.get('/dashboard/directories/sandbox-0003').expect(200);
    expect(detail.text).toContain('<pre class="definition scroll"><code>id: sandbox-0003');
    expect(detail.text).toContain('version: 1');
    expect(detail.text).toContain(`<a href="/dashboard/orders/${job.id}#row-`);
    expect(detail.text).toMatch(/<td>1 <small>\(current\)<\/small><\/td><td>sandbox<\/td>/);
    for (const page of [list.text, last.text, detail.text]) {
      expect(page).not.toContain('<textarea');
      expect(page).not.toContain('action="/dashboard/directories/');
    }
    await a.get('/dashboard/directories/no-such-directory').expect(404);
  });

  it('refuse a viewer’s changes, and change nothing', async () => {
    const { a, csrf } = await staff(VIEWER);
    const before = await row('sandbox-0010');
    await a.post('/dashboard/directories/sandbox-0010/settings').type('form').send({ _csrf: csrf, enabled: 'false' }).expect(403);
    await a.post('/dashboard/directories/sandbox-0010/definition').type('form').send({ _csrf: csrf, definition: 'name: Renamed' }).expect(403);
    expect(await row('sandbox-0010')).toEqual(before);
    expect(await audit('sandbox-0010')).toEqual([]);
  });

  it('show an admin each mistake of a broken definition by its path, keep the text typed, and change nothing', async () => {
    const { a, csrf } = await staff(ADMIN);
    const before = await row('sandbox-0011');
    const text = editorText((await a.get('/dashboard/directories/sandbox-0011').expect(200)).text);
    expect(text).toMatch(/^id: sandbox-0011\nname: /);
    const broken = text.replace('kind: fill', 'kind: teleport').replace(/submitUrl: .*/, 'submitUrl: not a url');
    const page = await a.post('/dashboard/directories/sandbox-0011/definition').type('form').send({ _csrf: csrf, definition: broken }).expect(422);
    expect(page.text).toMatch(/<li><code>adapter\.steps\[0\]\.fields\[0\]\.kind<\/code>: /);
    expect(page.text).toMatch(/<li><code>submitUrl<\/code>: submitUrl must be an absolute http:\/\/ or https:\/\/ URL/);
    expect(editorText(page.text)).toBe(broken);

    const unreadable = await a.post('/dashboard/directories/sandbox-0011/definition').type('form').send({ _csrf: csrf, definition: 'name: [unclosed' }).expect(422);
    expect(unreadable.text).toMatch(/<li><code>\(definition\)<\/code>: .*line 1/);
    expect(editorText(unreadable.text)).toBe('name: [unclosed');

    expect(await row('sandbox-0011')).toEqual(before);
    expect(await audit('sandbox-0011')).toEqual([]);
  });

  it('save a good definition as the next revision, in YAML or JSON, audited under the admin’s name', async () => {
    const { a, csrf } = await staff(ADMIN);
    const text = editorText((await a.get('/dashboard/directories/sandbox-0012').expect(200)).text);
    const edited = text.replace(/^  description: .*$/m, '  description: "edited on the dashboard: #2"');
    expect(edited).not.toBe(text);
    const res = await a.post('/dashboard/directories/sandbox-0012/definition').type('form').send({ _csrf: csrf, definition: edited }).expect(303);
    expect(res.headers.location).toBe('/dashboard/directories/sandbox-0012');
    const after = await row('sandbox-0012');
    expect(after).toMatchObject({ revision: 2, enabled: true, position: 12 });
    expect(after.adapter.description).toBe('edited on the dashboard: #2');
    const page = await a.get(res.headers.location).expect(200);
    expect(page.text).toContain('Saved as revision 2.');
    expect(page.text).toContain(`<td>2 <small>(current)</small></td><td>${ADMIN.email}</td>`);
    expect(editorText(page.text)).toBe(edited);

    // The same definition as JSON: nothing new, so no new revision and nothing audited.
    const doc = (await api().get('/api/v1/directories').expect(200)).body.items.find((d: { id: string }) => d.id === 'sandbox-0012');
    const json = JSON.stringify({ name: doc.name, submitUrl: doc.submitUrl, adapter: doc.adapter });
    await a.post('/dashboard/directories/sandbox-0012/definition').type('form').send({ _csrf: csrf, definition: json }).expect(303);
    expect((await a.get('/dashboard/directories/sandbox-0012')).text).toContain('did not change, so revision 2 stays.');
    expect(await audit('sandbox-0012')).toEqual([
      { actor_type: 'staff', actor: ADMIN.email, action: 'directory.update', detail: { directory: 'sandbox-0012', revision: 2, newRevision: true } },
    ]);
  });

  it('disable, enable and move a directory for an admin, each change audited', async () => {
    const { a, csrf } = await staff(ADMIN);
    const settings = (body: Record<string, string>) => a.post('/dashboard/directories/sandbox-0013/settings').type('form').send({ _csrf: csrf, ...body }).expect(303);
    await settings({ enabled: 'false' });
    expect(await row('sandbox-0013')).toMatchObject({ enabled: false, revision: 1 });
    expect((await a.get('/dashboard/directories/sandbox-0013')).text).toContain('Disabled, at position 13.');
    // A disabled directory is left out of new packages: the first 13 enabled now reach sandbox-0014.
    const list = (await api().get('/api/v1/directories').expect(200)).body.items.map((d: { id: string }) => d.id);
    expect(list).not.toContain('sandbox-0013');

    await settings({ position: 'first' });
    expect((await a.get('/dashboard/directories/sandbox-0013')).text).toMatch(/position: position must be a whole number from 1 to 1000000/);
    await settings({ position: '600' });
    // Moving a disabled directory leaves it disabled (PATCH without `enabled` once enabled it).
    expect(await row('sandbox-0013')).toMatchObject({ enabled: false, position: 600 });
    await settings({ enabled: 'true' });
    expect(await row('sandbox-0013')).toMatchObject({ enabled: true, position: 600, revision: 1 });

    const entries = await audit('sandbox-0013');
    expect(entries).toHaveLength(3);
    for (const e of entries) expect(e).toMatchObject({ actor_type: 'staff', actor: ADMIN.email, action: 'directory.update' });
  });
});

describe('directories needing attention', () => {
  const pause = (id: string) =>
    h.db.dataSource.query(`UPDATE directories SET paused_at = now(), paused_reason = 'step 1: no control has the label "Phone"', target_misses = 5 WHERE id = $1`, [id]);

  it('are marked in the list, listed alone with ?attention=1, counted on the overview, and shown to viewers without a Resume button', async () => {
    await pause('sandbox-0030');
    const { a, csrf } = await staff(VIEWER);
    const list = (await a.get('/dashboard/directories').expect(200)).text;
    expect(/data-directory="sandbox-0030">([\s\S]*?)<\/tr>/.exec(list)?.[1]).toMatch(/paused: step 1: no control has the label &quot;Phone&quot;<\/span> <small>since \d{4}-/);
    expect(list).toContain('<a href="/dashboard/directories?attention=1" id="attention-link">1 needs attention</a>');
    const only = (await a.get('/dashboard/directories?attention=1').expect(200)).text;
    expect(only.match(/data-directory="[^"]+"/g)).toEqual(['data-directory="sandbox-0030"']);
    expect(only).toContain('1 directory needs attention');
    expect((await a.get('/dashboard').expect(200)).text).toContain('<a href="/dashboard/directories?attention=1">1 directory needs attention</a>');

    const detail = (await a.get('/dashboard/directories/sandbox-0030').expect(200)).text;
    expect(detail).toMatch(/<strong>Paused since \d{4}-[^:]+:\d\d:\d\d UTC: step 1: no control has the label &quot;Phone&quot;<\/strong>/);
    for (const page of [list, only, detail]) expect(page).not.toContain('action="/dashboard/directories/');
    await a.post('/dashboard/directories/sandbox-0030/resume').type('form').send({ _csrf: csrf }).expect(403);
    expect(await audit('sandbox-0030')).toEqual([]);
  });

  it('resume for an admin, audited under the admin’s name; resuming again says it is not paused', async () => {
    await pause('sandbox-0031');
    const { a, csrf } = await staff(ADMIN);
    expect((await a.get('/dashboard/directories/sandbox-0031').expect(200)).text).toContain('action="/dashboard/directories/sandbox-0031/resume"');
    await a.post('/dashboard/directories/sandbox-0031/resume').type('form').send({ _csrf: csrf }).expect(303);
    const [d] = await h.db.dataSource.query(`SELECT paused_at, paused_reason, target_misses FROM directories WHERE id = 'sandbox-0031'`);
    expect(d).toEqual({ paused_at: null, paused_reason: null, target_misses: 0 });
    const page = (await a.get('/dashboard/directories/sandbox-0031').expect(200)).text;
    expect(page).toContain('Resumed: its waiting rows are tried again');
    expect(page).not.toContain('id="paused"');
    expect(await audit('sandbox-0031')).toEqual([{ actor_type: 'staff', actor: ADMIN.email, action: 'directory.resume', detail: { directory: 'sandbox-0031' } }]);

    await a.post('/dashboard/directories/sandbox-0031/resume').type('form').send({ _csrf: csrf }).expect(303);
    expect((await a.get('/dashboard/directories/sandbox-0031')).text).toContain('Directory sandbox-0031 is not paused.');
    expect(await audit('sandbox-0031')).toHaveLength(1);
  });
});

describe('a directory’s credentials on its page', () => {
  const SECRET = `${CREDENTIAL_MARKER}${randomBytes(8).toString('hex')}`;
  const URL = '/dashboard/directories/sandbox-0040';
  const names = async () => (await h.db.dataSource.query(`SELECT names FROM directory_credentials WHERE directory_id = 'sandbox-0040'`))[0]?.names;

  it('are stored by an admin, never shown again (not even after a mistake), and forgotten; viewers see names only', async () => {
    const viewer = await staff(VIEWER);
    expect((await viewer.a.get(URL).expect(200)).text).toContain('None stored.');
    await viewer.a.post(`${URL}/credentials`).type('form').send({ _csrf: viewer.csrf, username: 'owner', password: SECRET }).expect(403);
    expect(await names()).toBeUndefined();

    const { a, csrf } = await staff(ADMIN);
    const form = (await a.get(URL).expect(200)).text;
    expect(form).toMatch(/<input id="cred-username" name="username"/);
    expect(form).toMatch(/<input id="cred-password" name="password" type="password"/);
    const stored = await a.post(`${URL}/credentials`).type('form').send({ _csrf: csrf, username: `owner-${SECRET}`, password: SECRET }).expect(303);
    expect(stored.headers.location).toBe(`${URL}#credentials`);
    expect(await names()).toEqual(['password', 'username']);
    const pages = [(await a.get(URL).expect(200)).text];
    expect(pages[0]).toContain('Credentials stored (password, username); they are never shown again.');
    expect(pages[0]).toMatch(new RegExp(`Stored: <code>password, username</code>, by ${ADMIN.email.replace(/\./g, '\\.')}, \\d{4}-`));
    expect(pages[0]).toContain('Replace the credentials');

    // A mistake: nothing changes, and the page asks again rather than showing what was typed.
    await a.post(`${URL}/credentials`).type('form').send({ _csrf: csrf, password: `${SECRET}-2`, otherName: 'account id', otherValue: `${SECRET}-3` }).expect(303);
    const mistake = (await a.get(URL).expect(200)).text;
    expect(mistake).toMatch(/Credentials not stored: the other name must be a letter followed by up to 31 letters, digits or underscores, e.g. accountId\. Enter them again\./);
    pages.push(mistake);
    expect(await names()).toEqual(['password', 'username']);

    pages.push((await viewer.a.get(URL).expect(200)).text, (await a.get('/dashboard/directories').expect(200)).text, (await a.get('/dashboard/audit').expect(200)).text);
    for (const page of pages) expect(page).not.toContain(CREDENTIAL_MARKER);
    expect(pages[2]).toContain('Stored: <code>password, username</code>');
    expect(pages[2]).not.toContain('/credentials"');

    await a.post(`${URL}/credentials/forget`).type('form').send({ _csrf: csrf }).expect(303);
    expect(await names()).toBeUndefined();
    expect((await a.get(URL)).text).toContain('Credentials forgotten.');
    expect((await audit('sandbox-0040')).map((e: { actor: string; action: string }) => [e.actor, e.action])).toEqual([
      [ADMIN.email, 'directory.credentials.set'],
      [ADMIN.email, 'directory.credentials.clear'],
    ]);
  });

  it('explain, instead of the form, that SECRETS_KEY is not set', () => {
    const html = dashboardTemplates(parseConfig({})).render('directory.njk', {
      canAct: true,
      canStoreCredentials: false,
      directory: { id: 'sandbox-0041', name: 'Without a key' },
      revisions: [],
      recent: [],
    });
    expect(html).toContain('Credentials cannot be stored from this API: SECRETS_KEY is not set.');
    expect(html).not.toContain('name="password"');
  });
});
