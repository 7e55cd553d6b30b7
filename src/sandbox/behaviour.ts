import { LAYOUT_NAMES, type LayoutName } from './adapters';

export type Behaviour = 'normal' | 'slow' | 'flaky' | 'always-listed';

/** How long a slow directory takes to answer, unless the sandbox is started with another value. */
export const DEFAULT_SLOW_MS = 1500;

/**
 * What kind of site the sandbox directory at `position` (1-based) is. First match wins:
 *
 *   position % 51 === 50  always-listed  50, 101, 152, ...  every final POST answers "This business
 *                                                           is already listed"
 *   position % 11 === 3   slow           3, 14, 25, ...     its pages and POSTs answer after slowMs
 *                                                           (its /listed check does not wait)
 *   position % 7 === 5    flaky          5, 12, 19, ...     the first final POST for each
 *                                                           (slug, website) is an unrecorded HTTP 500
 *   otherwise             normal
 *
 * The moduli are coprime with the five-layout rotation, so every behaviour meets every layout
 * (with % 10 or % 50 all slow directories would share one layout).
 */
export function behaviourOf(position: number): Behaviour {
  assertPosition(position);
  if (position % 51 === 50) return 'always-listed';
  if (position % 11 === 3) return 'slow';
  if (position % 7 === 5) return 'flaky';
  return 'normal';
}

/** Layouts rotate in LAYOUT_NAMES order, so directories 1..5 show one of each. */
export function layoutOf(position: number): LayoutName {
  assertPosition(position);
  return LAYOUT_NAMES[(position - 1) % LAYOUT_NAMES.length];
}

function assertPosition(position: number): void {
  if (!Number.isInteger(position) || position < 1) throw new RangeError(`position must be an integer >= 1, got ${position}`);
}
