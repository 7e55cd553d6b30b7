import type { AppConfig } from '../../config/config.schema';

/** Longest wait for one page step, the answer to the submit click included. */
export function stepTimeoutMs(config: AppConfig): number {
  return Math.min(15_000, config.SUBMIT_TIMEOUT_MS);
}
