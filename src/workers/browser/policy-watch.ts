import type { BrowserContext, Request } from 'playwright-core';
import type { BlockedConnection, EgressLease } from '../../egress/egress-lease';
import { endpointOf } from '../../egress/egress-policy';

/**
 * Calls `onBlocked` when a request of the context's pages (any frame, redirect hop, form post,
 * fetch) ran into a refusal of the egress proxy.
 *
 * The proxy refuses Chromium's own background requests too (autofill's field-type lookups go out
 * through the context's proxy with its credentials, and the Chromium flag that stops them would
 * replace Playwright's list of disabled features), so a refusal alone says nothing about the
 * directory's page. One its page ran into does. The proxy records a refusal before it answers
 * it, so by the time the page sees its request fail (a CONNECT refused) or answered by the
 * proxy's 403 (a plain http request), the record is there: no race.
 */
export function watchPolicy(context: BrowserContext, lease: EgressLease, onBlocked: (b: BlockedConnection) => void): void {
  const check = (request: Request) => {
    let endpoint: string | undefined;
    try {
      endpoint = endpointOf(new URL(request.url()));
    } catch {
      return;
    }
    const refused = endpoint && lease.refusal(endpoint);
    if (refused) onBlocked(refused);
  };
  context.on('requestfailed', check);
  context.on('response', (response) => {
    if (response.status() === 403) check(response.request());
  });
}
