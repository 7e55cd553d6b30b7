import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { AdapterDefinition, CustomerField, Target } from '../src/directories/adapters/adapter-definition';
import { LAYOUT_NAMES, type LayoutName } from '../src/directories/adapters/layouts';
import { sandboxCatalogue, type CatalogueEntry } from '../src/directories/catalogue';
import { behaviourOf, layoutOf, type Behaviour } from '../src/sandbox/behaviour';
import { SITES } from '../src/sandbox/pages';
import { startSandbox, type SandboxHandle } from '../src/sandbox/sandbox-server';

/**
 * Drives real Chromium through every sandbox layout with its adapter, proving that the adapter
 * definitions fit the pages the sandbox serves.
 */

type Customer = Record<CustomerField, string>;
type RunResult = { status: 'submitted' } | { status: 'failed'; reason: string; permanent: boolean } | { status: 'retry'; reason: string };

const STEP_TIMEOUT_MS = 10_000;

function locate(page: Page, target: Target): Locator {
  return 'css' in target ? page.locator(target.css) : page.getByLabel(target.label, { exact: true });
}

/** Minimal stand-in for the form runner, following its documented semantics step by step. */
async function runAdapter(page: Page, adapter: AdapterDefinition, submitUrl: string, customer: Customer): Promise<RunResult> {
  let serverError: number | undefined;
  page.on('response', (res) => {
    if (res.request().isNavigationRequest() && res.status() >= 500) serverError = res.status();
  });
  await page.goto(submitUrl);
  for (const [i, step] of adapter.steps.entries()) {
    for (const { field, target, kind } of step.fields) {
      if (kind === 'fill') await locate(page, target).fill(customer[field]);
      else await locate(page, target).selectOption(customer[field]);
    }
    for (const target of step.check ?? []) await locate(page, target).check();
    await locate(page, step.advance).click();
    const next = adapter.steps[i + 1];
    if (next) await locate(page, next.fields[0]?.target ?? next.check![0]).waitFor({ state: 'visible' });
  }
  const outcome = page.locator([...adapter.success.selectors, ...adapter.failure.selectors].join(', '));
  await outcome.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  if (serverError) return { status: 'retry', reason: `HTTP ${serverError}` };
  for (const selector of adapter.success.selectors) {
    if (await page.locator(selector).first().isVisible()) return { status: 'submitted' };
  }
  const reason = await page.locator(adapter.failure.selectors.join(', ')).first().innerText();
  const permanent = adapter.permanentFailures.some((p) => new RegExp(p, 'i').test(reason));
  return permanent ? { status: 'failed', reason, permanent } : { status: 'retry', reason };
}

// Single-line fields carry no newlines: text inputs cannot hold them.
const customer: Customer = {
  businessName: `Café 🍕 مطعم الأصدقاء e\u0301 <b>"Joe's"</b>`,
  email: 'joé@exämple.com',
  phone: '+1 (555) 010-0100',
  website: 'https://joes.example/🍕?a=1&b=2',
  address: '1 Main St, Apt #4',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  country: 'US',
  category: 'Restaurant',
  description: `Line one\nשלום 👋 cafe\u0301 — ${'lorem ipsum '.repeat(250)}`,
};

let sandbox: SandboxHandle;
let catalogue: CatalogueEntry[];
let browser: Browser;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, slowMs: 200 });
  catalogue = sandboxCatalogue(sandbox.url);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

function directory(layout: LayoutName, behaviour: Behaviour = 'normal'): CatalogueEntry {
  const entry = catalogue.find((e) => layoutOf(e.position) === layout && behaviourOf(e.position) === behaviour);
  if (!entry) throw new Error(`no ${behaviour} ${layout} directory`);
  return entry;
}

async function run(entry: CatalogueEntry, values: Customer = customer): Promise<RunResult> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    return await runAdapter(page, entry.adapter, entry.submitUrl, values);
  } finally {
    await context.close();
  }
}

/** The customer fields as a submission recorded them, read back through the layout's names. */
function recordedValues(layout: LayoutName, fields: Record<string, string>): Customer {
  const names = SITES[layout].fieldNames;
  return Object.fromEntries(Object.entries(names).map(([field, name]) => [field, fields[name]])) as Customer;
}

describe.each(LAYOUT_NAMES)('%s layout in Chromium', (layout) => {
  test('submits exactly the customer, then is refused as already listed', async () => {
    const entry = directory(layout);
    expect(await run(entry)).toEqual({ status: 'submitted' });
    const mine = sandbox.received().filter((s) => s.slug === entry.slug);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ outcome: 'accepted', website: customer.website, businessName: customer.businessName });
    expect(recordedValues(layout, mine[0].fields)).toEqual(customer);

    const verifyUrl = new URL(entry.adapter.verify!.url.replace('{website}', encodeURIComponent(customer.website)), entry.submitUrl);
    expect(await (await fetch(verifyUrl)).json()).toEqual({ listed: true });

    expect(await run(entry)).toEqual({ status: 'failed', reason: 'This business is already listed', permanent: true });
    expect(sandbox.received().filter((s) => s.slug === entry.slug).map((s) => s.outcome)).toEqual(['accepted', 'already_listed']);
  });

  test('an invalid email is a permanent failure', async () => {
    const entry = directory(layout, 'slow');
    expect(await run(entry, { ...customer, email: 'not-an-email' })).toEqual({ status: 'failed', reason: 'Email address is invalid', permanent: true });
  });

  test('a flaky directory asks for a retry once, then accepts', async () => {
    const entry = directory(layout, 'flaky');
    expect(await run(entry)).toMatchObject({ status: 'retry' });
    expect(sandbox.received().filter((s) => s.slug === entry.slug)).toEqual([]);
    expect(await run(entry)).toEqual({ status: 'submitted' });
  });

  test('an always-listed directory fails for good', async () => {
    expect(await run(directory(layout, 'always-listed'))).toMatchObject({ status: 'failed', permanent: true });
  });
});
