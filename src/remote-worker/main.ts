import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBrowser } from '../engine/browser-check';
import { describePlan } from '../engine/launch';
import { WorkerApi } from './api-client';
import { parseCli, UsageError, USAGE } from './cli-args';
import { SHUTDOWN_GRACE_MS, SHUTDOWN_REPORT_MS } from './constants';
import { LeaseLoop } from './lease-loop';
import { RemoteBrowser } from './remote-browser';
import { runLease } from './run-lease';
import { say, warn } from './say';
import { workerVersion } from './worker-version';

/**
 * Boltline's reference remote worker: a process that holds only the API's address and a key with
 * the scope `worker`, and does directory submissions through the lease protocol
 * (src/leases/protocol.ts) with the same adapter engine as the fleet's workers (src/engine). No
 * database, no Redis, no Boltline config: test/folder-cycles.test.ts holds it to that.
 * SIGTERM/SIGINT: no more leases, those in flight finish (SHUTDOWN_GRACE_MS at most), exit 0.
 */
async function main(argv: string[]): Promise<number> {
  const opts = parseCli(argv, process.env);
  // NODE_ENV=production's refusal of an unsandboxed Chromium guards a process that holds database
  // and Redis credentials; this one holds a worker key, and `--sandbox on` refuses to run without one.
  const plan = await checkBrowser({ CHROMIUM_PATH: opts.chromium, CHROMIUM_SANDBOX: opts.sandbox, NODE_ENV: 'development', CHROMIUM_ALLOW_UNSANDBOXED: false });
  const api = new URL(opts.api);
  if (api.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(api.hostname)) {
    warn(`${api.origin} is plain http: the key and the customers' details cross the network unencrypted`);
  }
  const client = new WorkerApi(opts.api, opts.key);
  const browser = new RemoteBrowser(plan);
  const shotsDir = mkdtempSync(join(tmpdir(), 'boltline-remote-'));
  const loop = new LeaseLoop(client, {
    worker: { id: opts.id, kind: 'remote', version: workerVersion() },
    slots: opts.slots,
    run: (held) => runLease(held, { api: client, browser, shotsDir }),
    broken: () => browser.broken,
  });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      warn(`${signal} again: exiting at once; the leases in flight expire and go back to the queue`);
      process.exit(1);
    }
    signalled = true;
    say(`${signal}: asking for no more work; the leases in flight finish first`);
    loop.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Printed before any lease: supervisors and tests wait for this line.
  say(`remote worker ${opts.id} started (${opts.slots} slot${opts.slots === 1 ? '' : 's'}, API ${opts.api}); ${describePlan(plan)}`);

  let code = 0;
  try {
    await loop.run();
  } catch (err) {
    warn(`stopping: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  }
  if (!(await loop.drain(SHUTDOWN_GRACE_MS))) {
    // Their pages fail with the browser, and they report it: the work goes back without waiting for the leases to expire.
    warn(`leases still running after ${SHUTDOWN_GRACE_MS} ms: closing the browser under them`);
    await browser.close();
    await loop.drain(SHUTDOWN_REPORT_MS);
  }
  await browser.close();
  rmSync(shotsDir, { recursive: true, force: true });
  say(`remote worker ${opts.id} stopped`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err instanceof Error ? err.message : String(err));
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
