import { ProblemException } from '../common/problem.filter';
import type { ResponseLogEntry } from '../common/response-log';
import type { LogLine } from './protocol';

/** 409 lease-expired: the token no longer holds the lease; nothing was changed. */
export function expired(why: string): ProblemException {
  return new ProblemException('lease-expired', `This lease is no longer held: ${why}. Nothing was changed; stop working on it.`);
}

/** A worker's log lines as the row keeps them, under the lease's attempt. */
export function logLines(attempt: number, lines: LogLine[] | undefined): ResponseLogEntry[] {
  return (lines ?? []).map((l) => ({ at: l.at, attempt, event: l.event, ...(l.detail !== undefined ? { detail: l.detail } : {}) }));
}

/** A report as compared with a repeat of it: same keys in any order, same values. */
export function sameReport(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
