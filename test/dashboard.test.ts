import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createStaff } from '../src/auth/staff.service';
import { behaviourOf } from '../src/sandbox/behaviour';
import { CHROMIUM_ARGS } from '../src/workers/browser/chromium.service';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { fetchRetrying } from './support/http';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { Stack } from './support/stack';

/**
 * The staff dashboard in real Chromium, against the API and a worker as separate processes,
 * PostgreSQL, Redis and the sandbox directories. Orders need approval here (REQUIRE_APPROVAL), so
 * every order starts in the approvals list. Screenshots go to SCREENSHOT_DIR (the README's come
 * from a run with SCREENSHOT_DIR=docs/screenshots).
 */
let stack: Stack;
let browser: Browser;
const ADMIN = { email: 'admin@boltline.example', password: 'dashboard admin password' };
const VIEWER = { email: 'viewer@boltline.example', password: 'dashboard viewer password' };
/** A cheap hash cost for the staff members here, as in staff.test.ts (production: 2^17 or more). */
const SCRYPT_N = 2 ** 14;
const SHOTS = resolve(process.env.SCREENSHOT_DIR ?? join('artifacts', 'screenshots'));

/** Sandbox directories that answer quickly and plainly (not slow, flaky or always listed). */
const NORMAL = Array.from({ length: 200 }, (_, i) => i + 1)
  .filter((p) => behaviourOf(p) === 'normal')
  .map((p) => `sandbox-${String(p).padStart(4, '0')}`);
let nextDirectory = 0;
const directories = (n: number) => NORMAL.slice(nextDirectory, (nextDirectory += n));

beforeAll(async () => {
  stack = await Stack.start({
    name: 'dashboard',
    seed: async ({ db }) => {
      await createStaff(db.dataSource.manager, ADMIN.email, ADMIN.password, 'admin', SCRYPT_N);
      await createStaff(db.dataSource.manager, VIEWER.email, VIEWER.password, 'viewer', SCRYPT_N);
    },
    env: {
      REQUIRE_APPROVAL: 'true',
      // Shared by the API processes this file starts, so a restart keeps staff signed in.
      SESSION_SECRET: 'dashboard test session secret, not a real one',
      RATE_LIMIT_PER_MINUTE: '100000',
      STAFF_PASSWORD_SCRYPT_N: String(SCRYPT_N),
    },
    key: { name: 'dashboard test', scopes: ['jobs:read', 'jobs:write'], account: 'dashboard' },
  });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function post(path: string, body: unknown = {}) {
  const res = await fetchRetrying(`${stack.origin}/api/v1${path}`, { method: 'POST', headers: stack.headers, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** An order through the API, for a customer named `businessName`; it awaits approval. */
async function order(businessName: string, directoryIds: string[]): Promise<{ id: string; status: string }> {
  const customer = await post('/customers', { ...CUSTOMER, businessName, website: `https://${businessName.toLowerCase().replace(/\W+/g, '-')}.example` });
  return post('/jobs', { customerId: customer.id, directoryIds, priority: 2 });
}

/** An order through the API, approved there, with its page open in `page`. */
async function watchApproved(page: Page, businessName: string, directoryIds: string[]) {
  const job = await order(businessName, directoryIds);
  await post(`/jobs/${job.id}/approve`);
  await page.goto(`${stack.origin}/dashboard/orders/${job.id}`);
  return job;
}

/** A browser context signed in through the sign-in form, as a person would. */
async function signIn(who: { email: string; password: string }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${stack.origin}/dashboard`);
  expect(new URL(page.url()).pathname).toBe('/staff/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.origin}/dashboard`).catch(async (e) => { console.log(page.url(), await page.content()); throw e; });
  return { context, page };
}

/** Waits until `locator` (its first match) shows `text`; says what it showed instead on time-out. */
async function showsText(locator: Locator, text: string, timeoutMs = DEADLINE.event): Promise<void> {
  let last: string | null = null;
  await waitFor(`${locator} to show "${text}"`, async () => {
    last = await locator.first().textContent({ timeout: 1000 }).catch(() => null);
    return last !== null && last.replace(/\s+/g, ' ').includes(text);
  }, { timeoutMs, describe: async () => `it showed "${last}"` });
}

async function hasCount(locator: Locator, n: number, timeoutMs = DEADLINE.event): Promise<void> {
  await waitFor(`${locator} to match ${n} elements`, async () => (await locator.count()) === n, { timeoutMs, describe: async () => `${await locator.count()} matched` });
}

const progressOf = (page: Page, jobId: string) =>
  page.locator(`.order-head [data-progress="${jobId}"] progress`).evaluate((p: HTMLProgressElement) => ({ value: p.value, max: p.max }));

async function rowStatuses(jobId: string): Promise<Record<string, number>> {
  const rows: Array<{ status: string; n: number }> = await stack.db.dataSource.query(`SELECT status, count(*)::int AS n FROM job_results WHERE job_id = $1 GROUP BY status`, [jobId]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('the staff dashboard', () => {
  let admin: { context: BrowserContext; page: Page };
  beforeAll(async () => {
    admin = await signIn(ADMIN);
  });
  afterAll(() => admin?.context.close());

  it('approves an order that awaits approval, then shows its progress reaching 100 % without a reload', async () => {
    const { page } = admin;
    const job = await order('Sunrise Florist', directories(6));
    expect(job.status).toBe('awaiting_approval');

    await page.goto(`${stack.origin}/dashboard/approvals`);
    const row = page.locator(`tr[data-job="${job.id}"]`);
    await showsText(row.getByRole('link'), 'Sunrise Florist');
    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await showsText(page.locator('.flash'), '1 of 1 orders approved.');

    await page.goto(`${stack.origin}/dashboard/orders/${job.id}`);
    // A mark on the page's window: it survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const seen = new Set<number>();
    await waitFor('the progress bar to reach 6/6', async () => {
      const p = await progressOf(page, job.id);
      seen.add(p.value);
      return p.value === p.max && p.max === 6;
    }, { timeoutMs: orderDeadline(6), intervalMs: 100 });
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect([...seen].some((v) => v > 0 && v < 6)).toBe(true); // it moved, not jumped from a reload
    await showsText(page.locator(`[data-status="${job.id}"]`), 'completed');
    await showsText(page.locator('.order-head .progress-text'), '6/6 submitted');
    await hasCount(page.locator('#rows tr[data-row-status="submitted"]'), 6);
    await page.locator('#rows details').first().locator('summary').click();
    await page.locator('#rows details').first().locator('img').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(SHOTS, 'order-detail.png'), fullPage: false });
  });

  it('cancels an order mid-run: rows not started become cancelled', async () => {
    const { page } = admin;
    const job = await watchApproved(page, 'Harbor Hardware', directories(40));
    await waitFor('two directories to be done', async () => (await progressOf(page, job.id)).value >= 2, { timeoutMs: DEADLINE.firstSubmission, intervalMs: 100 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await showsText(page.locator('.flash'), 'Order cancelled.');
    const atCancel = (await rowStatuses(job.id)).submitted ?? 0;
    await showsText(page.locator(`[data-status="${job.id}"]`), 'cancelled');
    // What was in a browser at the moment finishes (at most the worker's 2 slots); everything
    // else is cancelled, on the page too. An in-flight submission may take SUBMIT_TIMEOUT_MS.
    await waitFor('no row to be open', async () => {
      const s = await rowStatuses(job.id);
      return !s.pending && !s.retry && !s.submitting;
    }, { timeoutMs: DEADLINE.firstSubmission });
    const s = await rowStatuses(job.id);
    expect(s.submitted ?? 0).toBeLessThanOrEqual(atCancel + 2);
    expect((s.submitted ?? 0) + (s.cancelled ?? 0)).toBe(40);
    await hasCount(page.locator('#rows tr[data-row-status="cancelled"]'), s.cancelled);
  });

  it('retries the failed rows of an order', async () => {
    const { page } = admin;
    const [bad1, bad2, ...good] = directories(5);
    // Each bad directory answers its form with 410 Gone once: a final failure, not retried.
    for (const slug of [bad1, bad2]) stack.sandbox.fault(slug, { fault: 'gone', on: 'form', times: 1 });
    const job = await watchApproved(page, 'Meadow Pottery', [bad1, bad2, ...good]);
    // The badge says how it ended, live: not a plain "completed".
    await showsText(page.locator(`[data-status="${job.id}"]`), 'completed with 2 failures', orderDeadline(5));
    expect(await page.locator(`[data-status="${job.id}"]`).getAttribute('class')).toBe('status status-partially_failed');
    await showsText(page.locator('.order-head .progress-text'), '3/5 submitted, 2 failed');
    await hasCount(page.locator('#rows tr[data-row-status="failed"]'), 2);

    await page.getByRole('button', { name: 'Retry failed' }).click();
    await showsText(page.locator('.flash'), 'Order retried.');
    await showsText(page.locator('.order-head .progress-text'), '5/5 submitted', orderDeadline(2));
    await hasCount(page.locator('#rows tr[data-row-status="submitted"]'), 5);
    expect(await rowStatuses(job.id)).toEqual({ submitted: 5 });
    await waitFor('the badge to say the order succeeded', async () => (await page.locator(`[data-status="${job.id}"]`).getAttribute('class')) === 'status status-completed', {
      timeoutMs: DEADLINE.event,
      describe: async () => `it showed "${await page.locator(`[data-status="${job.id}"]`).textContent()}"`,
    });
    expect(await page.locator(`[data-status="${job.id}"]`).textContent()).toBe('completed');
  });

  it('reconnects by itself after the API restarts, and catches up', async () => {
    const { page } = admin;
    const job = await watchApproved(page, 'Northside Tailor', directories(12));
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await waitFor('a first directory done', async () => (await progressOf(page, job.id)).value >= 1, { timeoutMs: DEADLINE.firstSubmission });
    await stack.api.kill('SIGKILL');
    await page.locator('#live-state').waitFor({ state: 'visible' }); // the page says it lost the feed
    await stack.startApi();
    await waitFor('the progress bar to reach 12/12 after the restart', async () => {
      const p = await progressOf(page, job.id);
      return p.value === 12 && p.max === 12;
    }, { timeoutMs: orderDeadline(12) });
    await hasCount(page.locator('#rows tr[data-row-status="submitted"]'), 12);
    expect(await page.locator('#live-state').isHidden()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  });

  it('finds an order by business name, and shows the overview', async () => {
    const { page } = admin;
    const wanted = await order('Quiet Owl Bookshop', directories(2));
    await order('Loud Parrot Records', directories(2));
    await page.goto(`${stack.origin}/dashboard/orders`);
    // Each search is a GET: wait for its page, not the one before it, then count.
    const search = async (q: string) => {
      await page.getByLabel('Search').fill(q);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL((url) => url.searchParams.get('q') === q);
    };
    await search('owl shop');
    await hasCount(page.locator('tr[data-job]'), 0); // words in another order: no match
    await search('Owl Bookshop');
    await hasCount(page.locator('tr[data-job]'), 1);
    await showsText(page.locator(`tr[data-job="${wanted.id}"]`), 'Quiet Owl Bookshop');

    // The overview, live: a running order shows up in the worker's slots without a reload.
    await page.goto(`${stack.origin}/dashboard`);
    await page.getByRole('img', { name: /Submissions .* per minute/ }).waitFor({ state: 'visible' });
    await showsText(page.locator('.worker').first(), `pid ${stack.worker.child.pid}`);
    const busy = await order('Copper Kettle Diner', directories(8));
    await post(`/jobs/${busy.id}/approve`);
    await showsText(page.locator('.worker').first(), 'Copper Kettle Diner', DEADLINE.firstSubmission);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });

    // A phone-width screen: nothing but the tables' own scroll areas is wider than the screen.
    const phone = await admin.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${stack.origin}/dashboard/orders/${busy.id}`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'order-phone.png') });
    await phone.close();
  });
});

describe('a viewer', () => {
  it('sees orders but cannot act on them', async () => {
    const job = await order('Viewer Test Cafe', directories(2));
    const { context, page } = await signIn(VIEWER);
    await page.goto(`${stack.origin}/dashboard/orders/${job.id}`);
    await showsText(page.locator('.order-head'), 'You are a viewer');
    // By keyboard: the first Tab reaches the skip link, which moves focus past the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).hash).toBe('#main');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    // Sending the form anyway, with a valid CSRF token, is refused and changes nothing.
    const csrf = await page.locator('body').getAttribute('data-csrf');
    const res = await page.request.post(`${stack.origin}/dashboard/orders/${job.id}/actions/approve`, { form: { _csrf: csrf as string } });
    expect(res.status()).toBe(403);
    const bulk = await page.request.post(`${stack.origin}/dashboard/orders/bulk`, { form: { _csrf: csrf as string, action: 'cancel', ids: job.id } });
    expect(bulk.status()).toBe(403);
    const [row] = await stack.db.dataSource.query(`SELECT status FROM jobs WHERE id = $1`, [job.id]);
    expect(row.status).toBe('awaiting_approval');
    await context.close();
  });
});
