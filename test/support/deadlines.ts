/**
 * How long tests wait for what happens by itself. A deadline bounds a hang and names what stalled;
 * it never measures speed (benchmarks do: `npm run bench`). Each is set for CI's machine at its
 * worst: 2 cores, a CPU hog beside the run, Chromium in worker processes. That is 10 to 30 times
 * what the same wait takes on a quiet machine, so only a hang reaches one.
 */
export const DEADLINE = {
  /**
   * A direct consequence of a step the test took: a live notice, a page update, a row's new
   * status, a process exiting after its signal. Quiet machine: well under 1 s.
   */
  event: 30_000,
  /**
   * A component back in service after a fault the test caused: PostgreSQL restarted, a Redis
   * wiped and refilled by the reconciler, an API process replaced. Quiet machine: 1-3 s.
   */
  recovery: 60_000,
  /**
   * An order's first submission: a worker takes the entry, may launch or replace its Chromium, loads
   * a sandbox form (some answer after 0.3-1.5 s on purpose) and submits it. Quiet machine: 2-5 s.
   */
  firstSubmission: 120_000,
};

/**
 * Until every directory of an order is final, with `slots` browser pages working on it (workers
 * times WORKER_CONCURRENCY). Quiet machine: about 1.5 s a directory a slot, retries included; this
 * allows 15 s, plus a minute for start-up and the last retries' backoff.
 */
export function orderDeadline(directories: number, slots = 2): number {
  return 60_000 + Math.ceil(directories / slots) * 15_000;
}
