import type { CompleteRequest, FailRequest, HeartbeatRequest, HeartbeatResponse, Lease, LeaseRequest, LeaseResponse, SettledResponse, SubmittingResponse } from '../leases/protocol';
import { LEASE_TOKEN_HEADER, WORKER_API_PATH } from '../leases/protocol';
import { API_PREFIX, REQUEST_TIMEOUT_MS, RETRY_FIRST_MS, RETRY_MAX_MS, UPLOAD_TIMEOUT_MS } from './constants';
import { describeProblem, isLeaseExpired, networkError, readProblem, retryAfterMs, sleep } from './http';
import { serverClock, type ServerClock } from './server-clock';

/** The lease is gone (expired, revoked, taken over): stop working on it at once, never retry. */
export class LeaseExpired extends Error {}

/** The API answered with a problem a retry cannot get past (a 4xx). */
export class ApiProblem extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The API gave no usable answer (network, 5xx, 429) for as long as the call was retried. */
export class ApiUnavailable extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** A lease as this worker holds it: the server's, and when it ends on this machine's clock. */
export interface Held {
  lease: Lease;
  expiresAt: number;
}

interface Call {
  method: 'POST' | 'PUT';
  path: string;
  token?: string;
  json?: unknown;
  bytes?: { data: Uint8Array; type: string };
  /** Retry a network error, a 5xx or a 429 until this long from now; 0: one try. */
  retryForMs: number;
  timeoutMs?: number;
}

/**
 * The lease protocol (src/leases/protocol.ts) over fetch, with the worker's API key. A call is
 * retried with backoff after a network error, a 5xx or a 429 (after its Retry-After) for as long
 * as its caller says; a 409 lease-expired is {@link LeaseExpired}, any other 4xx {@link ApiProblem}.
 * The server's times come back on this machine's clock (server-clock.ts).
 */
export class WorkerApi {
  private readonly base: string;

  constructor(api: string, private readonly key: string) {
    this.base = `${api.replace(/\/+$/, '')}${API_PREFIX}/${WORKER_API_PATH}`;
  }

  /**
   * Up to `req.max` leases; none when there is nothing to do (204). One try: a lease granted to
   * an answer that got lost expires by itself, and the caller asks again later.
   */
  async lease(req: LeaseRequest): Promise<Held[]> {
    const { status, body, clock } = await this.call({ method: 'POST', path: '/leases', json: req, retryForMs: 0 });
    if (status === 204) return [];
    return (body as LeaseResponse).leases.map((lease) => ({ lease, expiresAt: clock(lease.expiresAt) }));
  }

  /** Extends the lease; answers its new end. */
  async heartbeat(lease: Lease, req: Omit<HeartbeatRequest, 'token'>, retryForMs: number): Promise<number> {
    const { body, clock } = await this.call({ method: 'POST', path: leasePath(lease, 'heartbeat'), json: { ...req, token: lease.token }, retryForMs });
    return clock((body as HeartbeatResponse).expiresAt);
  }

  /** Right before the click: when it must have happened by, and the lease's new end. A 409 means "do not click". */
  async submitting(lease: Lease, retryForMs: number): Promise<{ clickBy: number; expiresAt: number }> {
    const { body, clock } = await this.call({ method: 'POST', path: leasePath(lease, 'submitting'), json: { token: lease.token }, retryForMs });
    const answer = body as SubmittingResponse;
    return { clickBy: clock(answer.clickBy), expiresAt: clock(answer.expiresAt) };
  }

  /** The page as it looked at the end; false when the server finds it too big (413). */
  async screenshot(lease: Lease, data: Uint8Array, type: string, retryForMs: number): Promise<boolean> {
    try {
      await this.call({ method: 'PUT', path: leasePath(lease, 'screenshot'), token: lease.token, bytes: { data, type }, retryForMs, timeoutMs: UPLOAD_TIMEOUT_MS });
      return true;
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 413) return false;
      throw err;
    }
  }

  async complete(lease: Lease, req: Omit<CompleteRequest, 'token'>, retryForMs: number): Promise<SettledResponse> {
    return (await this.call({ method: 'POST', path: leasePath(lease, 'complete'), json: { ...req, token: lease.token }, retryForMs })).body as SettledResponse;
  }

  async fail(lease: Lease, req: Omit<FailRequest, 'token'>, retryForMs: number): Promise<SettledResponse> {
    return (await this.call({ method: 'POST', path: leasePath(lease, 'fail'), json: { ...req, token: lease.token }, retryForMs })).body as SettledResponse;
  }

  private async call(c: Call): Promise<{ status: number; body: unknown; clock: ServerClock }> {
    const url = new URL(`${this.base}${c.path}`);
    const what = `${c.method} ${c.path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: 'application/json, application/problem+json' };
    // A header, not the query: request logs keep URLs.
    if (c.token) headers[LEASE_TOKEN_HEADER] = c.token;
    if (c.json !== undefined) headers['content-type'] = 'application/json';
    if (c.bytes) headers['content-type'] = c.bytes.type;
    const body = c.json !== undefined ? JSON.stringify(c.json) : c.bytes && new Uint8Array(c.bytes.data);
    const giveUpAt = Date.now() + c.retryForMs;
    for (let wait = RETRY_FIRST_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      const sentAt = Date.now();
      let res: Response | undefined;
      let why = '';
      let retryAfter: number | undefined;
      try {
        res = await fetch(url, { method: c.method, headers, body, signal: AbortSignal.timeout(c.timeoutMs ?? REQUEST_TIMEOUT_MS) });
      } catch (err) {
        why = networkError(err);
      }
      if (res && res.status < 500 && res.status !== 429) return this.answer(res, what, sentAt);
      if (res) {
        retryAfter = retryAfterMs(res.headers.get('retry-after'));
        why = describeProblem(res.status, await readProblem(res));
      }
      const delay = retryAfter ?? wait;
      if (Date.now() + delay > giveUpAt) throw new ApiUnavailable(`${what}: ${why}`, retryAfter);
      await sleep(delay);
    }
  }

  private async answer(res: Response, what: string, sentAt: number): Promise<{ status: number; body: unknown; clock: ServerClock }> {
    const clock = serverClock(sentAt, res.headers.get('date'));
    if (res.ok) {
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, clock };
    }
    const problem = await readProblem(res);
    if (res.status === 409 && isLeaseExpired(problem)) throw new LeaseExpired(`${what}: ${describeProblem(res.status, problem)}`);
    throw new ApiProblem(res.status, `${what}: ${describeProblem(res.status, problem)}`);
  }
}

function leasePath(lease: Lease, action: string): string {
  return `/leases/${encodeURIComponent(lease.id)}/${action}`;
}
