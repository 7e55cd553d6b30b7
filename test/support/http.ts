import { randomUUID } from 'node:crypto';
import { DEADLINE } from './deadlines';

/**
 * fetch as a well-behaved client: a 503 with Retry-After (the API's answer while its database is
 * briefly away, which a starved machine can cause too) is retried after the time it names, until
 * DEADLINE.recovery. A POST gets an Idempotency-Key unless it has one, so a retry whose first try
 * did commit returns that order instead of making a second.
 */
export async function fetchRetrying(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.method === 'POST' && !headers.has('idempotency-key')) headers.set('idempotency-key', randomUUID());
  const deadline = Date.now() + DEADLINE.recovery;
  for (;;) {
    const res = await fetch(url, { ...init, headers });
    const retryAfter = res.headers.get('retry-after');
    if (res.status !== 503 || retryAfter === null || Date.now() > deadline) return res;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, Number(retryAfter) * 1000));
  }
}

/**
 * JSON calls to the API under `base` with `headers`, both read at call time (tests set them in
 * beforeAll). A POST that does not answer 2xx throws with its status and body; a GET answers
 * whatever came back, parsed.
 */
export function apiClient(at: () => { base: string; headers: Record<string, string> }) {
  return {
    async post(path: string, body: unknown) {
      const { base, headers } = at();
      const res = await fetchRetrying(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async get(path: string) {
      const { base, headers } = at();
      return (await fetch(`${base}${path}`, { headers })).json();
    },
  };
}
