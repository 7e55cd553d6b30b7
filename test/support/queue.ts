import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { SUBMISSION_QUEUE } from '../../src/queue/queue.constants';
import { TEST_REDIS_URL } from '../../harness/redis-server';

export { TEST_REDIS_URL };

/** A BullMQ key prefix of its own for one test file. */
export function testQueuePrefix(): string {
  return `bltest-${randomBytes(5).toString('hex')}`;
}

/** Opens the submission queue under a prefix; `obliterate` removes every key of it. */
export function openSubmissionQueue(prefix: string) {
  const u = new URL(TEST_REDIS_URL);
  const queue = new Queue(SUBMISSION_QUEUE, { prefix, connection: { host: u.hostname, port: Number(u.port || 6379) } });
  return {
    queue,
    async close(obliterate = true) {
      if (obliterate) await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}
