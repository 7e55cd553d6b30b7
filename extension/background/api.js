import { CAPABILITIES, LEASE_EXPIRED, LEASE_TOKEN_HEADER, REPORT_RETRIES, WORKER_PATH } from './constants.js';

/**
 * The lease API (docs/worker-protocol.md) as this extension calls it. Errors carry the status
 * and the problem's type, so the caller can tell "the lease is gone" from "try again".
 */
export class ApiError extends Error {
  constructor(status, type, detail) {
    super(`${status}${type ? ` ${type}` : ''}: ${detail}`);
    this.status = status;
    /** The problem's type slug: `lease-expired`, `conflict`, `rate-limited`, ... */
    this.type = type;
  }

  /** The lease is not this worker's any more: stop at once, never retry (409 on a lease call). */
  get leaseGone() {
    return this.status === 409 && this.type !== 'idempotency-in-progress';
  }

  get expired() {
    return this.type === LEASE_EXPIRED;
  }

  /** Worth the same call again shortly: a 5xx, a 429, or a report still being settled. */
  get transient() {
    return this.status >= 500 || this.status === 429 || this.type === 'idempotency-in-progress';
  }
}

/** "https://boltline.example/", ".../api/v1" or ".../api/v1/worker" as pasted: the site's root. */
export function apiRoot(pasted) {
  const url = new URL(pasted.trim());
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1(\/worker)?$/, '');
  return `${url.origin}${path}`;
}

/**
 * The calls of one configured Boltline. Each answers `{ body, serverDate, sentAt }`, or undefined
 * for a 204; `serverDate` (the Date header) and `sentAt` (when the call left) let the click
 * deadline be measured on this machine's clock.
 */
export function leaseApi({ apiUrl, key }) {
  const base = `${apiRoot(apiUrl)}${WORKER_PATH}`;
  async function call(method, path, body, contentType = 'application/json', leaseToken) {
    let res;
    const sentAt = Date.now();
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': contentType }),
          // A header, not the query: request logs keep URLs.
          ...(leaseToken ? { [LEASE_TOKEN_HEADER]: leaseToken } : {}),
        },
        body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
      });
    } catch (err) {
      // No answer at all (offline, refused, DNS): transient, like a 5xx.
      throw new ApiError(599, undefined, `no answer from ${base}: ${err.message}`);
    }
    const serverDate = Date.parse(res.headers.get('date') ?? '') || undefined;
    if (res.status === 204) return undefined;
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) throw new ApiError(res.status, json?.type?.split('/').pop(), json?.detail ?? json?.title ?? text.slice(0, 200));
    return { body: json, serverDate, sentAt };
  }
  /** A report is idempotent: the same call again answers the same, so retry what did not land. */
  async function reliably(method, path, body, contentType, leaseToken) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(method, path, body, contentType, leaseToken);
      } catch (err) {
        if (!(err instanceof ApiError) || !err.transient || attempt >= REPORT_RETRIES) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 20_000)));
      }
    }
  }
  const leasePath = (lease, what) => `/leases/${encodeURIComponent(lease.id)}/${what}`;
  return {
    /** One submission at most: a person works on one form at a time. */
    lease: (worker) => call('POST', '/leases', { max: 1, capabilities: CAPABILITIES, worker }),
    heartbeat: (lease, progress) => call('POST', leasePath(lease, 'heartbeat'), { token: lease.token, progress }),
    submitting: (lease) => call('POST', leasePath(lease, 'submitting'), { token: lease.token }),
    screenshot: (lease, png) => reliably('PUT', leasePath(lease, 'screenshot'), png, 'image/png', lease.token),
    complete: (lease, report) => reliably('POST', leasePath(lease, 'complete'), { token: lease.token, ...report }),
    fail: (lease, report) => reliably('POST', leasePath(lease, 'fail'), { token: lease.token, ...report }),
  };
}
