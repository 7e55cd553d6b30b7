import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Proc } from '../harness/processes';

/**
 * The demo's processes log JSON, a line per request and event: each process's goes to a file of
 * its own under .demo-logs/<start time>/ (gitignored), and the terminal gets a few lines saying
 * what ran, how the order stood and where those files are.
 */
export function demoLogDir(): string {
  const dir = resolve('.demo-logs', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function logFileFor(dir: string, name: string): string {
  return join(dir, `${name.toLowerCase().replace(/\s+/g, '-')}.log`);
}

/** A path as the person who ran the demo can open it: relative to where they are. */
export function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** The order as the demo last saw it, in one line. */
export interface OrderState {
  id: string;
  status: string;
  progress: { total: number; pending: number; submitted: number; failed: number; needsReview: number };
}

export function describeOrder(order: OrderState | undefined): string {
  if (!order) return 'no order was created';
  const p = order.progress;
  return `order ${order.id}: ${order.status}, ${p.total - p.pending} of ${p.total} directories done (${p.submitted} submitted, ${p.failed} failed, ${p.needsReview} to review)`;
}

/** What the demo prints once it has stopped everything. */
export function stopSummary(stopped: Array<{ name: string; proc: Proc; code: number | string }>, order: OrderState | undefined): string {
  return [
    `stopped: ${stopped.map(({ name, code }) => `${name} (exit ${code})`).join(', ')}, sandbox`,
    describeOrder(order),
    'full logs:',
    ...stopped.map(({ proc }) => `  ${shown(proc.logFile ?? '(none)')}`),
  ].join('\n');
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** For a process that ended while the demo ran: its last lines, one short line each, and its log. */
export function exitNotice(name: string, code: number | string, proc: Proc): string {
  const last = proc.output().trimEnd().split('\n').slice(-5).map(summarizeLine);
  return [`${name} exited (${code}); its last lines:`, ...last.map((l) => `  ${l}`), `full log: ${shown(proc.logFile ?? '(none)')}`].join('\n');
}

function summarizeLine(line: string): string {
  try {
    const l = JSON.parse(line) as { level?: number; context?: string; msg?: string };
    return `${LEVELS[l.level ?? 0] ?? l.level} ${l.context ? `${l.context}: ` : ''}${l.msg ?? ''}`.slice(0, 200);
  } catch {
    return line.slice(0, 200);
  }
}
