/**
 * Names shared by the processes that report (workers, API) and the API's live feed. All keys and
 * channels live under QUEUE_PREFIX, so test runs and deployments sharing a Redis never meet.
 */

/** Redis pub/sub channel on which every change to an order or one of its rows is announced. */
export const liveChannel = (prefix: string) => `${prefix}:live`;

/**
 * Sorted set of the event streams open for one API key or one client address, across all API
 * replicas: members are stream ids, scores the time (epoch ms) their lease runs out.
 */
export const streamSlotsKey = (prefix: string, bucket: string) => `${prefix}:streams:${bucket}`;
/** A replica renews its streams' slots this often... */
export const STREAM_SLOT_RENEW_MS = 20_000;
/** ...and a slot nobody renewed (its replica died) stops counting after this long. */
export const STREAM_SLOT_LEASE_MS = 3 * STREAM_SLOT_RENEW_MS;

/** Sorted set of worker process ids, scored by their last heartbeat (epoch ms). */
export const fleetIndexKey = (prefix: string) => `${prefix}:fleet`;
/** One worker process's last heartbeat, as {@link WorkerBeat} JSON. */
export const fleetWorkerKey = (prefix: string, workerId: string) => `${prefix}:fleet:${workerId}`;
/** Set (by `npm run boltline -- drain`) to ask one worker process to take no more work. */
export const fleetDrainKey = (prefix: string, workerId: string) => `${prefix}:fleet:${workerId}:drain`;

/** Workers write a heartbeat this often... */
export const HEARTBEAT_MS = 2000;
/** ...are shown as gone after this long without one... */
export const GONE_AFTER_MS = 3 * HEARTBEAT_MS;
/** ...and forgotten after this long. */
export const FORGET_AFTER_MS = 15 * 60_000;

/** What was announced: an order changed, and with `resultId` which of its rows. */
export interface LiveNotice {
  jobId: string;
  resultId?: string;
}

/** One busy slot of a worker: which row it is on, since when. */
export interface WorkerSlot {
  resultId: string;
  jobId: string;
  directoryId: string;
  attempt: number;
  since: string;
  /** A remote worker's lease of the row (its whole log is on the dashboard), and what it last said it was doing. */
  leaseId?: string;
  progress?: string;
}

export interface WorkerBeat {
  id: string;
  /** Asked to drain: it finishes what it holds and takes nothing more. */
  draining?: boolean;
  /** Left out by the fleet's own workers; a worker that holds only an API key says what it is (see src/leases). */
  kind?: 'remote' | 'extension';
  version?: string;
  /** The API key a remote worker leases with, by name. */
  keyName?: string;
  /** Shown as gone after this long without a beat: a remote worker calls less often than the fleet's beat (GONE_AFTER_MS). */
  goneAfterMs?: number;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: string;
  beatAt: string;
  slots: WorkerSlot[];
}
