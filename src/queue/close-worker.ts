import type { Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';

/** What of a BullMQ worker's blocking connection this needs (BullMQ keeps it protected). */
interface BlockingConnection {
  status: string;
  client: Promise<{ status: string }>;
}

/**
 * Closes a BullMQ worker without ever hanging: gracefully (what it runs finishes first) when it
 * can, by force (it only disconnects) when a graceful close could not end.
 *
 * BullMQ's graceful close begins by disconnecting the worker's blocking client and waiting for
 * that client's 'end' event. ioredis never emits it for a client that is between two reconnect
 * attempts (taskforcesh/bullmq#4656, redis/ioredis#1830), nor does a client still making its first
 * connection finish: closed shortly after a Redis outage, a worker waited forever (an API's
 * maintenance worker hung a test run's teardown that way). Once a close has begun, close(true)
 * only returns the same promise, so the choice is made before: wait, up to `waitMs`, for the
 * blocking client to be connected, then close gracefully; else by force. An entry a forced close
 * leaves running keeps its lock until it expires, and the stalled check gives it to another worker.
 */
export async function closeWorker(worker: Worker, waitMs: number): Promise<'graceful' | 'forced'> {
  const blocking = (worker as unknown as { blockingConnection?: BlockingConnection }).blockingConnection;
  if (!blocking) {
    await worker.close(); // a BullMQ that keeps it elsewhere: its own close, as it is
    return 'graceful';
  }
  const deadline = Date.now() + waitMs;
  let client: { status: string } | undefined;
  while (!client && !worker.closing) {
    if (blocking.status === 'ready') client = await blocking.client;
    else if (Date.now() >= deadline) break;
    else await sleep(50);
  }
  while (client?.status === 'reconnecting' && Date.now() < deadline) await sleep(50);
  // Read and acted on in one go: nothing else runs between the check and close()'s disconnect.
  const graceful = worker.closing !== undefined || (client !== undefined && client.status !== 'reconnecting');
  await worker.close(!graceful);
  return graceful ? 'graceful' : 'forced';
}
