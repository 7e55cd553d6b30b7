import type { FormAdapterDefinition } from '../src/directories/definition/adapter.schema';
import { chromium, type Browser } from 'playwright-core';
import type { CustomerField } from '../src/customers/customer-fields';
import { LAYOUT_NAMES, type LayoutName } from '../src/sandbox/adapters';
import { sandboxCatalogue, type SandboxDirectory } from '../src/sandbox/catalogue';
import { type Behaviour } from '../src/sandbox/behaviour';
import { authCatalogue, AUTH_ACCOUNT } from '../src/sandbox/features/auth';
import { SITES } from '../src/sandbox/pages';
import { startSandbox, type SandboxHandle } from '../src/sandbox/sandbox-server';
import { CHROMIUM_ARGS } from '../src/workers/browser/chromium.service';
import { runAdapter, type RunResult } from '../src/engine/form-runner';
import { OutcomeUnknown } from '../src/engine/listing-submitter';
import { DEADLINE } from './support/deadlines';
import { directoryOf, UNICODE_CUSTOMER } from './support/sandbox-fixtures';

/**
 * Drives real Chromium through every sandbox layout with the workers' form runner, proving that
 * the adapter definitions fit the pages the sandbox serves and that the runner reads them right.
 */

type Customer = Record<CustomerField, string>;
// Each step's bound: generous, so a loaded machine does not turn a slow step into a failure.
const STEP_TIMEOUT_MS = DEADLINE.event;

const customer = UNICODE_CUSTOMER;

let sandbox: SandboxHandle;
let catalogue: SandboxDirectory[];
let browser: Browser;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, slowMs: 200 });
  catalogue = sandboxCatalogue(sandbox.url);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
});
afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

function directory(layout: LayoutName, behaviour: Behaviour = 'normal'): SandboxDirectory {
  return directoryOf(catalogue, layout, behaviour);
}

async function run(entry: SandboxDirectory, values: Customer = customer): Promise<RunResult> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    let clicks = 0;
    const result = await runAdapter(page, entry.adapter as FormAdapterDefinition, entry.submitUrl, values, () => undefined, { open: async () => (clicks++, Date.now() + 60_000) }, STEP_TIMEOUT_MS);
    expect(clicks).toBe(1);
    return result;
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
    expect(await run(entry)).toMatchObject({ kind: 'submitted' });
    const mine = sandbox.received().filter((s) => s.slug === entry.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ outcome: 'accepted', website: customer.website, businessName: customer.businessName });
    expect(recordedValues(layout, mine[0].fields)).toEqual(customer);

    const verifyUrl = new URL(entry.adapter.verify!.url!.replace('{website}', encodeURIComponent(customer.website)), entry.submitUrl);
    expect(await (await fetch(verifyUrl)).json()).toEqual({ listed: true });

    expect(await run(entry)).toEqual({ kind: 'rejected', message: 'This business is already listed' });
    expect(sandbox.received().filter((s) => s.slug === entry.id).map((s) => s.outcome)).toEqual(['accepted', 'already_listed']);
  });

  test('an invalid email is a permanent failure', async () => {
    const entry = directory(layout, 'slow');
    expect(await run(entry, { ...customer, email: 'not-an-email' })).toEqual({ kind: 'rejected', message: 'Email address is invalid' });
  });

  test('a flaky directory asks for a retry once, then accepts', async () => {
    const entry = directory(layout, 'flaky');
    // A form page that answers 500 after the click leaves the outcome unknown (the next attempt
    // verifies); a script-driven page that shows the error says so plainly.
    const first = await run(entry).catch((err: unknown) => err);
    if (first instanceof OutcomeUnknown) expect(first.message).toMatch(/server error after submitting: 500/);
    else expect(first).toMatchObject({ kind: 'error' });
    expect(sandbox.received().filter((s) => s.slug === entry.id)).toEqual([]);
    expect(await run(entry)).toMatchObject({ kind: 'submitted' });
  });

  test('an always-listed directory fails for good', async () => {
    expect(await run(directory(layout, 'always-listed'))).toEqual({ kind: 'rejected', message: 'This business is already listed' });
  });
});

describe('a directory that needs an account (src/sandbox/features/auth.ts)', () => {
  const signIn = async (password: string) => {
    const entry = authCatalogue(sandbox.url).find((d) => d.id === 'auth-login')!;
    const context = await browser.newContext();
    const log: string[] = [];
    try {
      const page = await context.newPage();
      const result = await runAdapter(page, entry.adapter as FormAdapterDefinition, entry.submitUrl, customer, (e, d) => log.push(`${e} ${d ?? ''}`), { open: async () => Date.now() + 60_000 }, 3000, {
        credentials: { username: AUTH_ACCOUNT.username, password },
      });
      return { result, log };
    } finally {
      await context.close();
    }
  };

  test('a wrong password is "sign-in failed", worth a retry, and the listing form is never sent', async () => {
    const { result, log } = await signIn('not-the-password');
    expect(result).toEqual({ kind: 'error', message: 'sign-in failed: the page did not show what login.success expects after signing in' });
    expect(log.join('\n')).not.toContain('not-the-password');
    expect(sandbox.received().filter((s) => s.slug.startsWith('auth-')).map((s) => [s.slug, s.outcome])).toEqual([['auth-signin', 'rejected']]);
  });
});
