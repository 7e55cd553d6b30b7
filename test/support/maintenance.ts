import { type Job, Queue } from 'bullmq';
import { waitFor } from '../../harness/wait';
import { MAINTENANCE_QUEUE } from '../../src/maintenance/maintenance.constants';
import { redisOptionsFromUrl } from '../../src/queue/redis-options';
import { TEST_REDIS_URL } from '../../harness/redis-server';

/** The maintenance queue of a test's prefix on the shared test Redis. */
export function maintenanceQueue(prefix: string): Queue {
  return new Queue(MAINTENANCE_QUEUE, { connection: redisOptionsFromUrl(TEST_REDIS_URL, 'producer'), prefix });
}

/**
 * Until the API's first scheduled retention run (at start-up) is over: a test that ages rows
 * after it is sure that no scheduled run takes them before the run the test makes.
 */
export async function afterFirstScheduledRun(prefix: string): Promise<Job> {
  const queue = maintenanceQueue(prefix);
  try {
    return await waitFor('the first scheduled retention run to finish', async () => (await queue.getJobs(['completed']))[0], { timeoutMs: 30_000 });
  } finally {
    await queue.close();
  }
}
