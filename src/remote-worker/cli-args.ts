import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { API_PREFIX, MAX_SLOTS } from './constants';

export const USAGE = `Usage: npm run worker:remote -- --api URL --key KEY [--id ID] [--slots N] [--chromium PATH] [--sandbox auto|on|off]
  --api URL        Boltline's address, e.g. https://boltline.example.com (or BOLTLINE_API)
  --key KEY        an API key with the scope worker (or BOLTLINE_KEY, which other users of
                   this machine cannot read from the process list)
  --id ID          this worker's name on the staff dashboard: 1-64 of A-Z a-z 0-9 . _ : -
                   (default: the host name)
  --slots N        leases in flight at once, 1-${MAX_SLOTS} (default 1)
  --chromium PATH  the Chromium to drive (default: CHROMIUM_PATH, else /usr/bin/chromium or
                   /usr/bin/chromium-browser)
  --sandbox MODE   Chromium's own sandbox: auto (on where it can work), on (refuse to run
                   without it), off (default auto)`;

/** Wrong or missing arguments: the message and the usage go to stderr, and the exit code is 2. */
export class UsageError extends Error {}

export interface RemoteOptions {
  api: string;
  key: string;
  id: string;
  slots: number;
  chromium?: string;
  sandbox: 'auto' | 'on' | 'off';
}

const WORKER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The command line (and BOLTLINE_API, BOLTLINE_KEY, CHROMIUM_PATH from `env`), checked; throws {@link UsageError}. */
export function parseCli(argv: string[], env: Record<string, string | undefined>, host = hostname()): RemoteOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { api: { type: 'string' }, key: { type: 'string' }, id: { type: 'string' }, slots: { type: 'string' }, chromium: { type: 'string' }, sandbox: { type: 'string' } },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const api = values.api ?? env.BOLTLINE_API;
  const key = values.key ?? env.BOLTLINE_KEY;
  if (!api) throw new UsageError('--api (or BOLTLINE_API) is required');
  if (!key) throw new UsageError('--key (or BOLTLINE_KEY) is required');
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new UsageError(`--api ${api} is not a URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new UsageError(`--api ${url.protocol}//${url.host} must be an http(s) address with nothing after its path (the key goes in --key)`);
  }
  // A host name may be longer than an id, or hold characters one may not: its first label then.
  const id = values.id ?? (WORKER_ID.test(host) ? host : host.split('.')[0].replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64));
  if (!WORKER_ID.test(id)) throw new UsageError(`--id "${id}" must be 1-64 of A-Z a-z 0-9 . _ : -`);
  const slots = Number(values.slots ?? 1);
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS) throw new UsageError(`--slots must be a whole number from 1 to ${MAX_SLOTS}`);
  const sandbox = values.sandbox ?? 'auto';
  if (sandbox !== 'auto' && sandbox !== 'on' && sandbox !== 'off') throw new UsageError('--sandbox must be auto, on or off');
  // Boltline's address, under which the API is mounted: ".../api/v1" is taken off if given.
  const base = url.pathname.replace(/\/+$/, '');
  return { api: `${url.origin}${base.endsWith(API_PREFIX) ? base.slice(0, -API_PREFIX.length) : base}`, key, id, slots, chromium: values.chromium ?? (env.CHROMIUM_PATH || undefined), sandbox };
}
