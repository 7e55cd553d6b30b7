import { createHash, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import type IORedis from 'ioredis';
import { readFileSync } from 'node:fs';
import { createApiKey } from '../src/auth/api-keys.service';
import { readCatalogue } from '../src/directories/catalogue-file';
import type { DirectoryInput } from '../src/directories/definition/directory.schema';
import { checkDirectory } from '../src/directories/definition/directory.schema';
import { importDirectories } from '../src/directories/directory-store';
import { AUTH_ACCOUNT, AUTH_CATALOGUE_FILE } from '../src/sandbox/features/auth';
import { FORMS_CATALOGUE_FILE } from '../src/sandbox/features/forms';
import { NEEDS_CREDENTIALS } from '../src/engine/values';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { orderDeadline } from './support/deadlines';
import { apiClient, fetchRetrying } from './support/http';
import { CREDENTIAL_MARKER } from './support/log-scan';
import { PNG_1X1 } from './support/images';
import { Stack } from './support/stack';
import { checkBrowser } from '../src/engine/browser-check';
import { launchOptions } from '../src/engine/launch';
import { loadConfig } from '../src/config/config.schema';

/**
 * The form parts of the adapter language (targets, values, actions) through the real pipeline: one
 * order over every form feature page of the sandbox (src/sandbox/features/forms.ts) by a customer
 * with a logo, and one by a customer without a description or a logo, which pages require. Then a
 * code adapter (fetch-form) on copies of sandbox directories of the spa layout, and a directory that
 * needs an account (src/sandbox/features/auth.ts): signed in with stored credentials, which show up nowhere.
 */
let stack: Stack;
let adminHeaders: Record<string, string>;

const DESCRIPTION = 'Sourdough bread, coffee and pastries, baked on Main Street every morning since 1998.';

beforeAll(async () => {
  stack = await Stack.start({
    name: 'forms',
    seed: async ({ db, sandbox }) => {
      const forms = readCatalogue(readFileSync(FORMS_CATALOGUE_FILE, 'utf8'), `${sandbox.url}/`);
      if (!forms.ok) throw new Error(JSON.stringify(forms.errors));
      await importDirectories(db.dataSource.manager, forms.value, { by: 'test', disableOthers: false });
      const auth = readCatalogue(readFileSync(AUTH_CATALOGUE_FILE, 'utf8'), `${sandbox.url}/`);
      if (!auth.ok) throw new Error(JSON.stringify(auth.errors));
      await importDirectories(db.dataSource.manager, auth.value, { by: 'test', disableOthers: false });
      const admin = await createApiKey(db.dataSource.manager, { name: 'forms-admin', scopes: ['admin'] });
      adminHeaders = { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` };
    },
    env: { SECRETS_KEY: randomBytes(32).toString('base64') },
  });
});

afterAll(() => stack?.stop());

const { post, get } = apiClient(() => stack);

async function untilFinished(id: string, directories: number) {
  return waitFor(`job ${id} to complete`, async () => {
    const job = await get(`/jobs/${id}`);
    return job.status === 'completed' ? job : undefined;
  }, { timeoutMs: orderDeadline(directories), intervalMs: 250, describe: async () => JSON.stringify((await get(`/jobs/${id}`)).progress) + stack.worker.output().slice(-3000) });
}

interface Row {
  directoryId: string;
  status: string;
  attempts: number;
  errorMessage: string | null;
  responseLog: { event: string; detail?: string }[];
}

it('fills every form feature page as its definition says, and refuses a listing that lacks a required value before opening the site', async () => {
  const pages = ['iframe', 'cookie', 'placeholder', 'choices', 'maxlength', 'marked', 'values', 'tabs', 'upload', 'missing'].map((p) => `forms-${p}`);
  const full = await post('/customers', { ...CUSTOMER, description: DESCRIPTION });
  const logo = await fetchRetrying(`${stack.base}/customers/${full.id}/logo`, { method: 'PUT', headers: { ...stack.headers, 'content-type': 'image/png' }, body: PNG_1X1 });
  expect(logo.status).toBe(200);
  const { description: _none, ...withoutDescription } = CUSTOMER;
  const bare = await post('/customers', { ...withoutDescription, website: 'https://bare.example' });
  const [jobFull, jobBare] = [
    await post('/jobs', { customerId: full.id, directoryIds: pages }),
    await post('/jobs', { customerId: bare.id, directoryIds: ['forms-missing', 'forms-upload', 'forms-placeholder'] }),
  ];
  const [doneFull, doneBare] = [await untilFinished(jobFull.id, pages.length + 2), await untilFinished(jobBare.id, pages.length + 2)];

  const rows = new Map(((await get(`/jobs/${jobFull.id}/results`)).items as Row[]).map((r) => [r.directoryId, r]));
  expect(Object.fromEntries([...rows].map(([id, r]) => [id, `${r.status} ${r.errorMessage ?? ''}`.trim()]))).toEqual(Object.fromEntries(pages.map((p) => [p, 'submitted'])));
  expect(doneFull.progress).toMatchObject({ total: pages.length, submitted: pages.length });

  const name = CUSTOMER.businessName;
  const received = stack.sandbox.received();
  const only = (slug: string) => received.filter((s) => s.slug === slug).map((s) => [s.outcome, s.fields]);
  expect(only('forms-iframe')).toEqual([['accepted', { name, email: CUSTOMER.email }]]);
  expect(only('forms-cookie')).toEqual([['accepted', { name, city: 'Austin' }]]);
  expect(only('forms-choices')).toEqual([['accepted', { plan: 'p0', cat: 'c1', show_phone: 'yes', since: '2019-04-01', land: 'United States' }]]);
  expect(only('forms-maxlength')).toEqual([['accepted', { name: 'Blue Door Ba', about: DESCRIPTION.slice(0, 60) }]]);
  expect(only('forms-marked')).toEqual([['accepted', { invoice: '', company: name, mail: CUSTOMER.email, phone: '+15125550100' }]]);
  expect(only('forms-values')).toEqual([['accepted', { name, line: '12 Main Street, Austin 78701', heard: 'Other' }]]);
  expect(only('forms-tabs')).toEqual([['accepted', { name, zip: '78701' }]]);
  // The bare customer's optional description is left empty; its required one fails the row unsent.
  expect(only('forms-placeholder').sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
    ['accepted', { about: '', n: name, tel: '15125550100', web: 'https://bare.example' }],
    ['accepted', { about: DESCRIPTION, n: name, tel: '15125550100', web: CUSTOMER.website }],
  ]);
  expect(only('forms-missing')).toEqual([['accepted', { name, about: DESCRIPTION }]]);
  // The file the API stored, put into the file input from ARTIFACT_DIR; only the customer with a logo sent one.
  const sha256 = createHash('sha256').update(PNG_1X1).digest('hex');
  expect((await logo.json()).logo).toEqual({ type: 'image/png', bytes: PNG_1X1.length, sha256 });
  expect(only('forms-upload')).toEqual([['accepted', { name, logo: sha256, logo_bytes: String(PNG_1X1.length), logo_type: 'image/png', logo_filename: `${full.id}.png` }]]);

  const events = (id: string) => rows.get(id)?.responseLog.map((e) => [e.event, e.detail]) ?? [];
  expect(events('forms-maxlength')).toEqual(
    expect.arrayContaining([
      ['trimmed', 'businessName trimmed from 16 to 12 characters'],
      ['trimmed', `description trimmed from ${DESCRIPTION.length} to 60 characters`],
    ]),
  );
  expect(events('forms-cookie')).toContainEqual(['dismissed', 'button "Accept all"']);
  expect(events('forms-tabs')).toContainEqual(['clicked', 'tab "Add your business"']);

  expect(doneBare).toMatchObject({ outcome: 'partially_failed', progress: { submitted: 1, failed: 2, pending: 0 } });
  const bareRows = (await get(`/jobs/${jobBare.id}/results`)).items as Row[];
  const missing = bareRows.find((r) => r.directoryId === 'forms-missing');
  expect(missing).toMatchObject({ status: 'failed', attempts: 1, errorMessage: 'customer has no description' });
  const noLogo = bareRows.find((r) => r.directoryId === 'forms-upload');
  expect(noLogo).toMatchObject({ status: 'failed', attempts: 1, errorMessage: 'customer has no logo' });
  // Failed before the form page was even opened.
  expect(missing?.responseLog.map((e) => e.event)).toEqual(['not submitted']);
  expect(noLogo?.responseLog.map((e) => e.event)).toEqual(['not submitted']);
  expect(bareRows.find((r) => r.directoryId === 'forms-placeholder')?.responseLog).toContainEqual(expect.objectContaining({ event: 'step 1 filled', detail: '3 field(s), 1 optional one(s) left empty' }));
});

it("keeps what a site stores in the browser for one customer (a cookie, local storage) from the next customer's submission", async () => {
  // The control: within one browser context the page does send back what it stored.
  // The workers' Chromium, as their start-up check settles it, without their egress proxy.
  const browser = await chromium.launch(launchOptions(await checkBrowser(loadConfig()), { egress: false }));
  try {
    const page = await (await browser.newContext()).newPage();
    const url = `${stack.sandbox.url}/f/forms/memory/`;
    await page.goto(url);
    await page.fill('#name', 'One context');
    await Promise.all([page.waitForURL(/submit$/), page.click('button[type=submit]')]);
    await page.goto(url);
    expect({ cookie: await page.inputValue('[name=seen_cookie]'), storage: await page.inputValue('[name=seen_storage]') }).toEqual({ cookie: 'visitor=One%20context', storage: 'One context' });
  } finally {
    await browser.close();
  }

  // Boltline: customer A's submission, then customer B's, by the same worker and Chromium.
  for (const businessName of ['Customer A Bakery', 'Customer B Bakery']) {
    const customer = await post('/customers', { ...CUSTOMER, businessName });
    const job = await post('/jobs', { customerId: customer.id, directoryIds: ['forms-memory'] });
    expect((await untilFinished(job.id, 1)).progress).toMatchObject({ submitted: 1 });
  }
  const received = stack.sandbox.received().filter((r) => r.slug === 'forms-memory').map((r) => r.fields);
  expect(received).toEqual([
    { name: 'One context', seen_cookie: '', seen_storage: '' },
    { name: 'Customer A Bakery', seen_cookie: '', seen_storage: '' },
    { name: 'Customer B Bakery', seen_cookie: '', seen_storage: '' },
  ]);
});

it('runs a definition that names a code adapter: fetch-form reads the JSON reply, so a 5xx is verified before anything is sent again', async () => {
  // sandbox-0004: a plain spa site; sandbox-0019: spa whose first POST per website is an unrecorded
  // 500; sandbox-0254: spa that answers every listing "already listed" (409).
  const copies: DirectoryInput[] = ['0004', '0019', '0254'].map((n) => ({
    id: `code-${n}`,
    name: `Code adapter on sandbox-${n}`,
    submitUrl: `${stack.sandbox.url}/d/sandbox-${n}/`,
    adapter: { version: 1, code: 'fetch-form', permanentFailures: ['already listed'], verify: { url: 'listed?website={website}' }, timeouts: { stepMs: 5000 } },
  }));
  const docs = copies.map((c) => checkDirectory(c)).map((r) => (r.ok ? r.value : (() => { throw new Error(JSON.stringify(r.errors)); })()));
  await importDirectories(stack.db.dataSource.manager, docs, { by: 'test', disableOthers: false });
  const website = 'https://code-adapter.example';
  const customer = await post('/customers', { ...CUSTOMER, website });
  const ids = copies.map((c) => c.id);
  const job = await post('/jobs', { customerId: customer.id, directoryIds: ids });
  await untilFinished(job.id, ids.length + 2);

  const rows = new Map(((await get(`/jobs/${job.id}/results`)).items as Row[]).map((r) => [r.directoryId, r]));
  const summary = (id: string) => { const r = rows.get(id); return `${r?.status} after ${r?.attempts}: ${r?.errorMessage ?? ''}`.trim(); };
  expect(ids.map(summary)).toEqual(['submitted after 1:', 'submitted after 2:', 'failed after 1: This business is already listed']);

  // Every field went in by its label; the site took each listing once.
  const taken = stack.sandbox.received().filter((s) => s.website === website);
  const { description, ...rest } = CUSTOMER;
  expect(taken.map((s) => [s.slug, s.outcome])).toEqual(
    expect.arrayContaining([['sandbox-0004', 'accepted'], ['sandbox-0019', 'accepted'], ['sandbox-0254', 'already_listed']]),
  );
  expect(taken).toHaveLength(3);
  expect(taken.find((s) => s.slug === 'sandbox-0004')?.fields).toEqual({ ...rest, website, description });

  // The 500 was not read as a refusal to retry blindly: the next attempt asked the site first.
  const flaky = rows.get('code-0019')!.responseLog.map((e) => [e.event, e.detail]);
  expect(flaky).toContainEqual(['verified after an interrupted attempt', 'listed: false']);
  expect(flaky.filter(([e]) => e === 'submitting')).toHaveLength(2);
  expect(rows.get('code-0004')!.responseLog.map((e) => e.event)).toEqual(expect.arrayContaining(['navigated', 'form filled', 'submitting', 'accepted']));
});

it('signs in with the stored credentials before the form, and the password shows up nowhere Boltline keeps or says; without stored credentials the site hears nothing', async () => {
  const password = `${CREDENTIAL_MARKER}${randomBytes(8).toString('hex')}`;
  const stored = await fetchRetrying(`${stack.base}/directories/auth-login/credentials`, { method: 'PUT', headers: adminHeaders, body: JSON.stringify({ values: { username: AUTH_ACCOUNT.username, password } }) });
  expect(stored.status).toBe(200);
  const customer = await post('/customers', { ...CUSTOMER, website: 'https://signin.example' });
  const job = await post('/jobs', { customerId: customer.id, directoryIds: ['auth-login', 'auth-unset'] });
  const done = await untilFinished(job.id, 2);

  const rows = new Map(((await get(`/jobs/${job.id}/results`)).items as Row[]).map((r) => [r.directoryId, r]));
  expect(rows.get('auth-login')).toMatchObject({ status: 'submitted', attempts: 1 });
  expect(rows.get('auth-login')?.responseLog.map((e) => e.event)).toEqual(expect.arrayContaining(['login step 1 filled', 'signed in', 'step 1 filled', 'accepted']));
  expect(rows.get('auth-unset')).toMatchObject({ status: 'failed', attempts: 1, errorMessage: NEEDS_CREDENTIALS });
  expect(rows.get('auth-unset')?.responseLog.map((e) => e.event)).toEqual(['not submitted']);
  expect(done).toMatchObject({ outcome: 'partially_failed', progress: { submitted: 1, failed: 1 } });

  // The site saw the right account at its sign-in and the listing arrive signed in; the directory
  // without stored credentials saw nothing at all (one sign-in in total).
  const received = stack.sandbox.received().filter((s) => s.slug.startsWith('auth-'));
  expect(received.map((s) => [s.slug, s.outcome, s.fields])).toEqual([
    ['auth-signin', 'accepted', { username: AUTH_ACCOUNT.username, password }],
    ['auth-login', 'accepted', { name: CUSTOMER.businessName, website: 'https://signin.example', account: AUTH_ACCOUNT.username }],
  ]);

  // Nowhere: the API's answers about the order, its results and the directory...
  const texts: Array<[string, string]> = [];
  for (const path of [`/jobs/${job.id}`, `/jobs/${job.id}/results`]) texts.push([path, await (await fetch(`${stack.base}${path}`, { headers: stack.headers })).text()]);
  for (const path of ['/directories/auth-login', '/directories/auth-login/credentials', '/directories/auth-login/revisions', '/audit?limit=200']) {
    texts.push([path, await (await fetch(`${stack.base}${path}`, { headers: adminHeaders })).text()]);
  }
  // ...the database's rows of the order (results, timeline, outbox) and the audit log...
  for (const table of ['job_results', 'job_events', 'outbox', 'audit_log', 'directories', 'directory_revisions']) {
    const [dump] = await stack.db.dataSource.query(`SELECT coalesce(string_agg(t::text, ' '), '') AS text FROM ${table} t`);
    texts.push([table, dump.text]);
  }
  // ...every Redis key of this test's queues, read by type...
  const redis = (await stack.queue.queue.client) as unknown as IORedis;
  let cursor = '0';
  const keys: string[] = [];
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const type = await redis.type(key);
    const value =
      type === 'string' ? await redis.get(key)
      : type === 'hash' ? await redis.hgetall(key)
      : type === 'list' ? await redis.lrange(key, 0, -1)
      : type === 'set' ? await redis.smembers(key)
      : type === 'zset' ? await redis.zrange(key, 0, -1)
      : type === 'stream' ? await redis.xrange(key, '-', '+')
      : `unread type ${type}`;
    texts.push([`redis ${key}`, JSON.stringify(value)]);
  }
  // ...and the processes' own output (the run's log scan looks at every log line as well).
  texts.push(['worker output', stack.worker.output()], ['api output', stack.api.output()]);
  expect(texts.filter(([, text]) => text.includes(CREDENTIAL_MARKER) || text.includes(password)).map(([where]) => where)).toEqual([]);
  expect(texts.find(([where]) => where === '/directories/auth-login/credentials')?.[1]).toContain('"names":["password","username"]');
});
