import { availableParallelism } from 'node:os';
import { availableCores, defaultConcurrency, MAX_DEFAULT_CONCURRENCY, SUBMISSIONS_PER_CORE } from './cores';

describe('availableCores', () => {
  const cpus = availableParallelism();

  it("takes a container's CPU limit, rounded down, at least 1", () => {
    expect(availableCores(() => '150000 100000\n')).toBe(1);
    expect(availableCores(() => '50000 100000')).toBe(1);
  });

  it('never counts more than the CPUs the process may run on', () => {
    expect(availableCores(() => `${(cpus + 8) * 100000} 100000`)).toBe(cpus);
  });

  it('counts those CPUs without a limit or without cgroup v2', () => {
    expect(availableCores(() => 'max 100000')).toBe(cpus);
    expect(availableCores(() => {
      throw new Error('ENOENT');
    })).toBe(cpus);
  });

  it('gives WORKER_CONCURRENCY its default from them', () => {
    expect(defaultConcurrency()).toBe(Math.min(MAX_DEFAULT_CONCURRENCY, SUBMISSIONS_PER_CORE * availableCores()));
    expect(defaultConcurrency()).toBeGreaterThanOrEqual(SUBMISSIONS_PER_CORE);
  });
});
