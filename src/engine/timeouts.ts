import type { AppConfig } from '../config/config.schema';
import type { AdapterDefinition } from '../directories/definition/adapter.schema';

/** The one setting the attempt's limits come from: a host without Boltline's config (the remote worker) passes its own. */
export type TimeoutSettings = Pick<AppConfig, 'SUBMIT_TIMEOUT_MS'>;

/** Longest wait for one page step, the answer to the submit click included. */
export function stepTimeoutMs(config: TimeoutSettings): number {
  return Math.min(15_000, config.SUBMIT_TIMEOUT_MS);
}

/**
 * One attempt's limits: the directory's own `timeouts`, which may only shorten the worker's (the
 * claim's settle time and the click lease are computed from the worker's).
 */
export function attemptTimeouts(config: TimeoutSettings, adapter: Pick<AdapterDefinition, 'timeouts'>): { stepMs: number; submitMs: number } {
  const step = stepTimeoutMs(config);
  return {
    stepMs: Math.min(adapter.timeouts?.stepMs ?? step, step),
    submitMs: Math.min(adapter.timeouts?.submitMs ?? config.SUBMIT_TIMEOUT_MS, config.SUBMIT_TIMEOUT_MS),
  };
}
