import { SingleBar } from 'cli-progress';
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../src/auth/api-keys.service';
import { createStaff } from '../src/auth/staff.service';
import { loadConfig } from '../src/config/config.schema';
import { defaultConcurrency } from '../src/config/cores';
import { importSandboxCatalogue, SANDBOX_DEFAULT_URL } from '../src/sandbox/catalogue';
import { startSandbox } from '../src/sandbox/sandbox-server';
import { demoLogDir, exitNotice, logFileFor, OrderState, shown, stopSummary } from './demo-logs';
import { checkBrowser } from '../src/engine/browser-check';
import { describePlan } from '../src/engine/launch';
import { prepareServices } from './demo-services';
import { unsupportedNode } from '../harness/node-support';
import { Proc, startApi, startWorker } from '../harness/processes';

/**
 * `npm run demo`: migrations, the sandbox directories, the API and two workers, then one
 * 50-directory order through the REST API with a progress bar. Leaves everything running.
 */
const DEMO_STAFF = 'demo@boltline.local';
let auth = '';
/** The order as the progress loop last saw it, for the summary at stop. */
let lastSeen: OrderState | undefined;
let stopping = false;

async function main(): Promise<void> {
  const node = unsupportedNode();
  if (node) {
    console.error(node);
    process.exit(1);
  }
  const config = loadConfig();
  // Without a browser every directory would fail after all its attempts: check before anything starts.
  console.log(`browser: ${describePlan(await checkBrowser(config))}`);
  const dataSource = await prepareServices(config);

  const sandboxUrl = new URL(process.env.SANDBOX_URL || SANDBOX_DEFAULT_URL);
  const sandbox = await startSandbox({ port: Number(sandboxUrl.port || 80), host: sandboxUrl.hostname });
  // The sandbox's catalogue file, imported as an operator imports theirs.
  const imported = await importSandboxCatalogue(dataSource.manager, sandbox.url);
  // The sandbox listens on loopback, which the workers' egress proxy refuses unless exempted.
  const workerEnv = {
    ...process.env,
    EGRESS_PRIVATE_ORIGINS: [process.env.EGRESS_PRIVATE_ORIGINS, sandboxUrl.origin].filter((o) => o && o !== 'none').join(','),
    // Two workers on one machine share its cores: each takes half of what one would (more slots than that made the demo slower).
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? String(Math.max(1, Math.floor(defaultConcurrency() / 2))),
    // Each worker's health and metrics on a free port, named on its start line.
    WORKER_HTTP_PORT: process.env.WORKER_HTTP_PORT ?? '0',
  };
  // A fresh key for the demo's own account; like every key, it exists only in this output.
  const { token } = await createApiKey(dataSource.manager, { name: `demo ${new Date().toISOString()}`, scopes: ['jobs:read', 'jobs:write'], account: 'demo' });
  auth = `Bearer ${token}`;
  // A staff admin for the dashboard and Bull Board, with a fresh password each run.
  const staffPassword = randomBytes(12).toString('base64url');
  await dataSource.query(`DELETE FROM staff_users WHERE email = $1`, [DEMO_STAFF]);
  await createStaff(dataSource.manager, DEMO_STAFF, staffPassword, 'admin', config.STAFF_PASSWORD_SCRYPT_N);
  await dataSource.destroy();
  console.log(`sandbox: ${imported.added.length + imported.changed.length + imported.unchanged.length} directories at ${sandbox.url}`);

  const api = `http://${config.HOST}:${config.PORT}`;
  // Each process logs to a file of its own (demo-logs.ts); the terminal gets summaries.
  const logDir = demoLogDir();
  const names = ['API', 'worker 1', 'worker 2'];
  const children: Proc[] = [await startApi(process.env, config.PORT, { logFile: logFileFor(logDir, names[0]) })];
  for (const name of names.slice(1)) children.push(await startWorker(workerEnv, { logFile: logFileFor(logDir, name) }));
  console.log(`logs: ${shown(logDir)}/`);
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    const codes = await Promise.all(children.map((c) => c.kill('SIGTERM')));
    await sandbox.close();
    console.log(stopSummary(children.map((proc, i) => ({ name: names[i], proc, code: codes[i] })), lastSeen));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  children.forEach((c, i) => c.exited.then((code) => stopping || console.error(`\n${exitNotice(names[i], code, c)}`)));

  const website = `https://demo-${Date.now()}.example`;
  const customer = await call(`${api}/api/v1/customers`, {
    businessName: 'Blue Door Bakery', email: 'hello@bluedoor.example', phone: '+1 512 555 0100', website,
    address: '12 Main Street', city: 'Austin', state: 'TX', zip: '78701', country: 'US', category: 'Restaurant',
    description: 'Sourdough and coffee since 1998.',
  });
  const started = Date.now();
  const job = await call(`${api}/api/v1/jobs`, { customerId: customer.id, packageSize: 50, priority: 2 });
  lastSeen = job;
  console.log(`order ${job.id}: ${job.progress.total} directories`);
  console.log(`watch it live: ${api}/dashboard/orders/${job.id}  (sign in as ${DEMO_STAFF}, password ${staffPassword})`);

  const bar = new SingleBar({ format: '{bar} {done}/{total} directories | {submitted} submitted, {failed} failed | {status}' });
  bar.start(job.progress.total, 0, { done: 0, submitted: 0, failed: 0, status: job.status });
  let current = job;
  while (!['completed', 'cancelled'].includes(current.status)) {
    await new Promise((r) => setTimeout(r, 500));
    current = await (await fetch(`${api}/api/v1/jobs/${job.id}`, { headers: { authorization: auth } })).json();
    lastSeen = current;
    const p = current.progress;
    bar.update(p.total - p.pending, { done: p.total - p.pending, submitted: p.submitted, failed: p.failed, status: current.status });
  }
  bar.stop();

  const mine = sandbox.received().filter((r) => r.website === website);
  const accepted = mine.filter((r) => r.outcome === 'accepted');
  const slugs = new Set(mine.map((r) => r.slug));
  const p = current.progress;
  console.log(`\n${current.status}: ${p.submitted} submitted, ${p.failed} failed, ${p.needsReview} to review, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`sandbox: ${mine.length} submissions received for ${slugs.size} directories, ${accepted.length} accepted` +
    (mine.length === slugs.size ? ' (exactly one per directory)' : ' (SOME DIRECTORY RECEIVED MORE THAN ONE)'));
  console.log(`\nDashboard:  ${api}/dashboard  (sign in as ${DEMO_STAFF}, password ${staffPassword})`);
  console.log(`This order: ${api}/dashboard/orders/${job.id}`);
  console.log(`API docs:   ${api}/docs`);
  console.log(`Bull Board: ${api}/admin/queues`);
  console.log(`Results:    ${api}/api/v1/jobs/${job.id}/results`);
  console.log(`API key:    ${token}  (account demo; send as Authorization: Bearer <key>)`);
  const workerHttp = children.slice(1).map((w) => /health and metrics at (\S+)/.exec(w.output())?.[1]).filter(Boolean);
  console.log(`Metrics:    ${api}/metrics${workerHttp.map((u) => `  ${u}/metrics`).join('')}`);
  console.log('\nRunning until Ctrl-C.');
}

async function call(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

main().catch((err: unknown) => {
  // Stopping ends the API under the progress loop's feet: stop() reports and exits.
  if (stopping) return;
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
