import { spawnSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type AppConfig } from '../config/config.schema';
import { isGone, readFleet } from '../live/fleet';
import { FORGET_AFTER_MS, fleetDrainKey } from '../live/live.constants';
import { isDirectoryId, isUuid } from '../common/ids';
import { type Chore, MAINTENANCE_QUEUE, type ReviewRequest } from '../maintenance/maintenance.constants';
import { closeClusterClients, keyPrefix, newRedisClient, queueConnection } from '../queue/redis-connection';

const USAGE = `Usage: npm run boltline -- <command>
  keys ...              API keys (npm run boltline -- keys, for its usage)
  staff ...             staff accounts
  directories ...       the directory catalogue
  fleet                 the worker processes, from their heartbeats
  drain <worker id>     asks one worker to finish what it holds and take nothing more
  reconcile             compares PostgreSQL with the queue now and repairs the queue
  retention             deletes now what is past its retention (docs/operations.md#retention)
  requeue-review --order <id> | --directory <id> | --all  [--yes]
                        resubmits the results awaiting review of one order, one directory, or all:
                        staff's "resubmit", for many rows. Their first attempt may have got through
                        (nothing could tell), so each may end up listed twice. Without --yes it
                        only counts them; a cancelled order's are skipped
Reads the same settings as the API (DATABASE_URL, REDIS_URL, ...).`;

/** The commands that were scripts of their own: the same files, run as they always were. */
const DELEGATED: Record<string, string> = {
  keys: 'auth/keys.cli.js',
  staff: 'auth/staff.cli.js',
  directories: 'authoring/directories.cli.js',
};

class UsageError extends Error {}

/** How long a chore asked for may take before the command gives up waiting (it still runs). */
const ASK_TIMEOUT_MS = 10 * 60_000;
/** How often it looks whether the chore has ended. */
const ASK_POLL_MS = 200;

/**
 * The operator's one command: the existing key, staff and catalogue commands, and the fleet's
 * chores on demand. Exits 2 on a usage error, 1 on a failure.
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && DELEGATED[command]) {
    const run = spawnSync(process.execPath, [join(__dirname, '..', DELEGATED[command]), ...rest], { stdio: 'inherit' });
    return run.status ?? 1;
  }
  const config = loadConfig();
  const prefix = keyPrefix(config);
  switch (command) {
    case 'fleet': {
      const redis = await connected(config);
      try {
        const beats = await readFleet(redis, prefix);
        if (!beats.length) console.log('no worker has written a heartbeat in the last 15 minutes');
        for (const b of beats.sort((x, y) => x.id.localeCompare(y.id))) {
          const state = isGone(b) ? 'gone' : b.draining ? 'draining' : 'up';
          console.log(`${b.id}  ${state}  ${b.kind ?? 'worker'}  ${b.slots.length}/${b.concurrency} busy  since ${b.startedAt}  last beat ${b.beatAt}`);
        }
      } finally {
        redis.disconnect();
      }
      return 0;
    }
    case 'drain': {
      const [id] = rest;
      if (!id) throw new UsageError('drain needs the id of a worker (see: npm run boltline -- fleet)');
      const redis = await connected(config);
      try {
        const beat = (await readFleet(redis, prefix)).find((b) => b.id === id);
        if (!beat) throw new Error(`no worker ${id} in the fleet (see: npm run boltline -- fleet)`);
        if (beat.kind) throw new Error(`${id} is a ${beat.kind} worker: it leases through the API and is stopped where it runs (or its key revoked)`);
        // Kept as long as a heartbeat is: a worker that died before reading it leaves nothing behind.
        await redis.set(fleetDrainKey(prefix, id), new Date().toISOString(), 'PX', FORGET_AFTER_MS);
        console.log(`asked ${id} to drain: it takes no more work from its next heartbeat on (2 s) and finishes what it holds; \`fleet\` shows it draining`);
      } finally {
        redis.disconnect();
      }
      return 0;
    }
    case 'reconcile':
    case 'retention':
    case 'requeue-review': {
      const request = command === 'requeue-review' ? reviewRequest(rest) : undefined;
      const report = await askTheFleet(config, command, request ?? {});
      console.log(`${command}: ${Object.entries(report).map(([kind, n]) => `${n} ${kind.replace('_', ' ')}`).join(', ')}`);
      if (request && !request.apply) console.log('nothing changed: add --yes to resubmit them (each may then be listed twice)');
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'which command?');
  }
}

/** `--order <id>`, `--directory <id>` or `--all`, exactly one, and `--yes` to act: checked before anything is asked. */
function reviewRequest(args: string[]): ReviewRequest {
  const apply = args.includes('--yes');
  const [flag, value, ...extra] = args.filter((a) => a !== '--yes');
  if (extra.length || (flag === '--all' && value !== undefined)) throw new UsageError(`requeue-review takes one of --order <id>, --directory <id>, --all, and --yes; not ${args.join(' ')}`);
  const by = `${whoAmI()}@${hostname()}`.replace(/[^\w.@-]/g, '_').slice(0, 200);
  if (flag === '--all') return { all: true, apply, by };
  if (flag === '--order') {
    if (!isUuid(value)) throw new UsageError(`--order needs an order id (a UUID), not ${value ?? 'nothing'}`);
    return { jobId: value, apply, by };
  }
  if (flag === '--directory') {
    if (!isDirectoryId(value)) throw new UsageError(`--directory needs a directory id (as the catalogue names it), not ${value ?? 'nothing'}`);
    return { directoryId: value, apply, by };
  }
  throw new UsageError('requeue-review needs --order <id>, --directory <id> or --all: which results to resubmit?');
}

/** The operator's user name; in a container run as a bare uid, that uid. */
function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** A client that has connected (a producer's client sends nothing before it has). */
async function connected(config: AppConfig) {
  const redis = newRedisClient(config, 'producer', { lazyConnect: true });
  redis.on('error', () => undefined); // the command's own error says it
  await redis.connect();
  return redis;
}

/**
 * Puts a chore on the maintenance queue for an API replica to run now, and waits for its report:
 * the chore runs where the API runs, with its settings (its database, its evidence store). It
 * polls the job rather than listening for its events: a chore that ends before the listener's
 * first read of the event stream would never be heard of.
 */
async function askTheFleet(config: AppConfig, chore: Chore, data: object): Promise<Record<string, number>> {
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: queueConnection(config, 'producer'), prefix: keyPrefix(config) });
  try {
    const job = await queue.add(chore, data, { removeOnComplete: 50, removeOnFail: 50 });
    console.log(`asked the API replicas to run ${chore} (job ${job.id}); waiting for one to report`);
    const deadline = Date.now() + ASK_TIMEOUT_MS;
    for (;;) {
      // A Redis hiccup is asked again, until the deadline.
      const state = await job.getState().catch(() => 'unknown');
      if (state === 'completed' || state === 'failed') {
        const done = await Job.fromId(queue, job.id!);
        if (state === 'failed') throw new Error(`${chore} failed: ${done?.failedReason ?? 'no reason kept'}`);
        if (!done?.returnvalue) throw new Error(`${chore} ended, but its report is gone (job ${job.id})`);
        return done.returnvalue as Record<string, number>;
      }
      if (Date.now() >= deadline) {
        // Not left waiting for a replica that starts later to run it unasked.
        if (state !== 'active') await job.remove().catch(() => undefined);
        throw new Error(state === 'active'
          ? `${chore} is still running on an API replica after ${ASK_TIMEOUT_MS / 1000} s (job ${job.id}): its log says when it ends`
          : `no API replica ran ${chore} within ${ASK_TIMEOUT_MS / 1000} s: is one running on this QUEUE_PREFIX?`);
      }
      await sleep(ASK_POLL_MS);
    }
  } finally {
    await queue.close();
    await closeClusterClients();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err.message);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
