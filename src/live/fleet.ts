import type { RedisClient } from '../queue/redis-connection';
import { fleetIndexKey, fleetWorkerKey, GONE_AFTER_MS, WorkerBeat } from './live.constants';

/** Every worker's last heartbeat still kept (15 minutes), as the workers wrote it. */
export async function readFleet(redis: RedisClient, prefix: string): Promise<WorkerBeat[]> {
  const ids = await redis.zrange(fleetIndexKey(prefix), 0, -1);
  const raw = ids.length ? await redis.mget(ids.map((id) => fleetWorkerKey(prefix, id))) : [];
  return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerBeat);
}

/** A worker that has not beaten for GONE_AFTER_MS (or the time it asked for): killed, frozen or cut off. */
export const isGone = (beat: WorkerBeat, now = Date.now()) => now - Date.parse(beat.beatAt) > (beat.goneAfterMs ?? GONE_AFTER_MS);
