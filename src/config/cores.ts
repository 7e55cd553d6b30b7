import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Submissions a worker runs at once per CPU it may use, unless WORKER_CONCURRENCY says otherwise.
 * A form keeps a core busy while Chromium lays it out and runs its scripts, and leaves it idle
 * while the page waits for the directory's server: two per core keep the cores busy without
 * making each form wait its turn (docs/benchmarks.md has the measurements).
 */
export const SUBMISSIONS_PER_CORE = 2;

/**
 * The CPUs this process may use: a container's CPU limit (cgroup v2 `cpu.max`) when it sets one,
 * else the CPUs it may run on. os.cpus() would count the host's, however few the container gets.
 */
export function availableCores(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number {
  const cpus = availableParallelism();
  try {
    const [quota, period] = read('/sys/fs/cgroup/cpu.max').trim().split(/\s+/);
    if (quota !== 'max' && Number(period) > 0) return Math.max(1, Math.min(cpus, Math.floor(Number(quota) / Number(period))));
  } catch {
    // no cgroup v2 (another OS, or an older container runtime): the affinity count stands
  }
  return cpus;
}

/** Beyond this many slots a machine gets more worker processes, not more slots: one Chromium serves each process. */
export const MAX_DEFAULT_CONCURRENCY = 16;

/** WORKER_CONCURRENCY's default: {@link SUBMISSIONS_PER_CORE} per available core, at most {@link MAX_DEFAULT_CONCURRENCY}. */
export const defaultConcurrency = () => Math.min(MAX_DEFAULT_CONCURRENCY, SUBMISSIONS_PER_CORE * availableCores());
