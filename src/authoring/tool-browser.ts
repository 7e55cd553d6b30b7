import type { Page } from 'playwright-core';
import type { AppConfig } from '../config/config.schema';
import type { CataloguePolicy } from '../egress/catalogue-policy.service';
import type { BlockedConnection } from '../egress/egress-lease';
import { EgressPolicy } from '../egress/egress-policy';
import { EgressProxy } from '../egress/egress-proxy.service';
import { checkBrowser } from '../engine/browser-check';
import { ChromiumService } from '../workers/browser/chromium.service';
import { watchPolicy } from '../workers/browser/policy-watch';

/** The page the site led to somewhere the egress policy refuses; the run was stopped there. */
export class ToolBlockedByPolicy extends Error {
  constructor(readonly blocked: BlockedConnection) {
    super(`blocked by policy: ${blocked.endpoint} (${blocked.reason})`);
  }
}

/**
 * Runs `use` with one page of a Chromium launched and fenced as a worker's is (the same start-up
 * check, launch flags and egress proxy), whose policy allows exactly the origins a catalogue
 * holding this one directory would: its form page, verify and search pages, and sign-in page. Loopback and private
 * addresses are refused unless EGRESS_PRIVATE_ORIGINS exempts them, as for the workers. A refusal
 * closes the page at once; `use` can ask `blocked()` what was refused. An aborted `signal` closes
 * it too (a time limit): `use` then fails or returns early, and the browser is gone on return.
 */
export async function withToolPage<T>(
  config: AppConfig,
  directory: { submitUrl: string; verifyUrl?: string; searchUrl?: string; loginUrl?: string },
  use: (page: Page, blocked: () => BlockedConnection | undefined) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const policy = EgressPolicy.fromCatalogue([directory], config.EGRESS_PRIVATE_ORIGINS);
  // The proxy asks its policy source for a snapshot per lease; here that is always this one directory.
  const source: Pick<CataloguePolicy, 'current'> = { current: () => Promise.resolve(policy) };
  const proxy = new EgressProxy(source as CataloguePolicy);
  await proxy.onModuleInit();
  const chromium = new ChromiumService(config, proxy, await checkBrowser(config));
  const lease = await proxy.lease();
  try {
    const context = await chromium.newContext(lease.proxy);
    let blocked: BlockedConnection | undefined;
    watchPolicy(context, lease, (b) => {
      blocked ??= b;
      void context.close();
    });
    const stop = () => void context.close();
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop();
    try {
      const page = await context.newPage();
      let answer: T | undefined;
      let failure: unknown;
      try {
        answer = await use(page, () => blocked);
      } catch (err) {
        failure = err;
      }
      // Whatever else went wrong followed from the refusal.
      if (failure !== undefined) throw blocked ? new ToolBlockedByPolicy(blocked) : failure;
      return answer as T;
    } finally {
      signal?.removeEventListener('abort', stop);
      await chromium.closeContext(context);
    }
  } finally {
    lease.end();
    await chromium.onApplicationShutdown();
    await proxy.onApplicationShutdown();
  }
}
