import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../src/config/config.schema';
import { sandboxCatalogue } from '../src/directories/catalogue';
import { syncDirectories } from '../src/directories/directory-sync';
import { startSandbox } from '../src/sandbox/sandbox-server';
import { prepareServices } from './demo-services';

/**
 * `npm run demo`: migrations, the sandbox directories, the API and two workers, then one
 * 50-directory order through the REST API with a progress bar. Leaves everything running.
 */
const ADMIN = 'staff:boltline-demo';

async function main(): Promise<void> {
  process.env.ADMIN_CREDENTIALS ??= ADMIN;
  const config = loadConfig();
  const dataSource = await prepareServices(config);

  const sandboxUrl = new URL(config.SANDBOX_URL);
  const sandbox = await startSandbox({ port: Number(sandboxUrl.port || 80), host: sandboxUrl.hostname });
  const synced = await syncDirectories(dataSource.manager, sandboxCatalogue(config.SANDBOX_URL));
  await dataSource.destroy();
  console.log(`sandbox: ${synced.upserted} directories at ${sandbox.url}`);

  const children: ChildProcess[] = [];
  const stop = async () => {
    console.log('\nstopping...');
    children.forEach((c) => c.kill('SIGTERM'));
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const run = (entry: string, name: string) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'src', `${entry}.js`)], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
    child.on('exit', (code) => code && console.error(`[${name}] exited with ${code}`));
    children.push(child);
  };
  run('main', 'api');
  run('worker', 'worker-1');
  run('worker', 'worker-2');

  const api = `http://${config.HOST}:${config.PORT}`;
  await until(async () => (await fetch(`${api}/api/v1/health`).catch(() => undefined))?.ok === true, 30_000, 'the API to start');

  const website = `https://demo-${Date.now()}.example`;
  const customer = await call(`${api}/api/v1/customers`, {
    businessName: 'Blue Door Bakery', email: 'hello@bluedoor.example', phone: '+1 512 555 0100', website,
    address: '12 Main Street', city: 'Austin', state: 'TX', zip: '78701', country: 'US', category: 'Restaurant',
    description: 'Sourdough and coffee since 1998.',
  });
  const started = Date.now();
  const job = await call(`${api}/api/v1/jobs`, { customerId: customer.id, packageSize: 50, priority: 2 });
  console.log(`order ${job.id}: ${job.progress.total} directories`);

  const bar = new SingleBar({ format: '{bar} {done}/{total} directories | {submitted} submitted, {failed} failed | {status}' });
  bar.start(job.progress.total, 0, { done: 0, submitted: 0, failed: 0, status: job.status });
  let current = job;
  while (!['completed', 'cancelled'].includes(current.status)) {
    await new Promise((r) => setTimeout(r, 500));
    current = await (await fetch(`${api}/api/v1/jobs/${job.id}`)).json();
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
  const [user, pass] = (process.env.ADMIN_CREDENTIALS ?? ADMIN).split(':');
  console.log(`\nAPI docs:   ${api}/docs`);
  console.log(`Bull Board: ${api}/admin/queues  (user ${user}, password ${pass})`);
  console.log(`Results:    ${api}/api/v1/jobs/${job.id}/results`);
  console.log('\nRunning until Ctrl-C.');
}

async function call(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
