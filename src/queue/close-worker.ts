import type { Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';

/** What of a BullMQ worker's connections this reads (BullMQ keeps them protected). */
interface Connection {
  status: string;
  client: Promise<{ status: string }>;
}

/**
 * Closes a BullMQ worker without ever hanging: gracefully (what it runs finishes first) when it
 * can, by force (it only disconnects) when a graceful close could not end.
 *
 * BullMQ's graceful close disconnects the worker's blocking client and waits for that client's
 * 'end' event, then QUITs its main connection. ioredis never emits 'end' for a client between two
 * reconnect attempts (taskforcesh/bullmq#4656, redis/ioredis#1830), and a QUIT sent while
 * reconnecting waits for a Redis that may not come back: closed shortly after a Redis outage, a
 * worker waited forever (an API's maintenance worker hung a test run's teardown that way). Once a
 * close has begun, close(true) only returns the same promise, so the choice is made before: wait,
 * up to `waitMs`, for both connections to be up, then close gracefully; else by force. An entry a
 * forced close leaves running keeps its lock until it expires, and the stalled check gives it to
 * another worker.
 */
export async function closeWorker(worker: Worker, waitMs: number): Promise<'graceful' | 'forced'> {
  const { blockingConnection, connection } = worker as unknown as { blockingConnection?: Connection; connection?: Connection };
  if (!blockingConnection || !connection) {
    await worker.close(); // a BullMQ that keeps them elsewhere: its own close, as it is
    return 'graceful';
  }
  const deadline = Date.now() + waitMs;
  const clients: Array<{ status: string }> = [];
  for (const c of [blockingConnection, connection]) {
    while (c.status !== 'ready' && !worker.closing && Date.now() < deadline) await sleep(50);
    if (c.status === 'ready') clients.push(await c.client);
  }
  const up = () => clients.length === 2 && clients.every((c) => c.status === 'ready');
  while (!up() && !worker.closing && Date.now() < deadline) await sleep(50);
  // Read and acted on in one go: nothing else runs between the check and close()'s first step.
  const graceful = worker.closing !== undefined || up();
  await worker.close(!graceful);
  return graceful ? 'graceful' : 'forced';
}
