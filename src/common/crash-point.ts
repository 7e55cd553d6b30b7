import type { AppConfig, CrashPoint } from '../config/config.schema';

/** SIGKILLs this process if a test asked for a crash here (see CRASH_POINTS). */
export function crashPoint(config: AppConfig, point: CrashPoint): void {
  if (config.TEST_CRASH_AT.includes(point)) process.kill(process.pid, 'SIGKILL');
}
