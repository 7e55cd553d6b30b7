/**
 * Named moments at which a test can have a process SIGKILL itself, to prove that a crash at the
 * worst moment loses nothing. Honoured only with NODE_ENV=test; any other build ignores them.
 */
export const CRASH_POINTS = [
  'worker.after-claim',
  'worker.before-submit',
  'worker.after-submit',
  'worker.after-persist',
  'relay.after-add',
  'api.after-commit',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** SIGKILLs this process if a test asked for a crash here (config's TEST_CRASH_AT). */
export function crashPoint(config: { TEST_CRASH_AT: readonly CrashPoint[] }, point: CrashPoint): void {
  if (config.TEST_CRASH_AT.includes(point)) process.kill(process.pid, 'SIGKILL');
}
