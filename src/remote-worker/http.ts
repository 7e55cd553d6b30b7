import { LEASE_EXPIRED } from '../leases/protocol';

/** What an RFC 9457 problem answer says, as far as it says it. */
export interface Problem {
  type?: string;
  title?: string;
  detail?: string;
}

/** The problem in an error answer's body; empty when there is none or it is not JSON. */
export async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Problem;
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    return {};
  }
}

/** "HTTP 409 Conflict: the lease expired", for a message. */
export function describeProblem(status: number, p: Problem): string {
  return [`HTTP ${status}`, p.title, p.detail].filter(Boolean).join(': ');
}

/** `/problems/lease-expired`: the token no longer holds the lease. */
export function isLeaseExpired(p: Problem): boolean {
  return p.type === LEASE_EXPIRED || (p.type ?? '').endsWith(`/${LEASE_EXPIRED}`);
}

/** Retry-After in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Why a fetch failed, in one line: undici hides the cause (ECONNREFUSED, a timeout) one level down. */
export function networkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return [e?.message ?? String(err), e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
