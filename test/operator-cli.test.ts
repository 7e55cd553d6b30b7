import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../harness/root';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { apiClient } from './support/http';
import { afterFirstScheduledRun } from './support/maintenance';
import { Stack, workerUrl } from './support/stack';

/**
 * `npm run boltline -- …` against a running fleet (an API and a worker): the commands that were
 * scripts of their own, the chores an API replica runs on request, and draining a worker.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ name: 'operator', workers: 1, env: { REQUIRE_APPROVAL: 'true', RECONCILE_INTERVAL_MS: '3600000', RETENTION_ORDER_DAYS: '30' } });
  await afterFirstScheduledRun(stack.prefix);
});
afterAll(() => stack?.stop());

const { post } = apiClient(() => stack);

/** The command as an operator runs it, with the fleet's settings; its exit code and output. */
async function boltline(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/boltline.cli.js'), ...args], { env: { ...process.env, ...stack.env }, encoding: 'utf8' });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

it('says how to use it, and runs the commands that were scripts of their own', async () => {
  const none = await boltline();
  expect(none.code).toBe(2);
  expect(none.out).toMatch(/which command\?[\s\S]*Usage: npm run boltline -- <command>/);
  expect((await boltline('nonsense')).out).toMatch(/unknown command nonsense/);
  const keys = await boltline('keys', 'list');
  expect(keys.code).toBe(0);
  expect(keys.out).toContain('operator');
});

it('asks an API replica to run retention and reconcile now, and prints what each did', async () => {
  const customer = await post('/customers', CUSTOMER);
  const old = await post('/jobs', { customerId: customer.id, directoryIds: ['sandbox-0001'] });
  await stack.db.dataSource.query(`UPDATE jobs SET status = 'completed', updated_at = now() - interval '31 days' WHERE id = $1`, [old.id]);
  const retention = await boltline('retention');
  expect(retention).toMatchObject({ code: 0, out: expect.stringMatching(/retention: 1 orders, 1 results, \d+ events, 0 files/) });

  // An approved order whose queue entry Redis lost: reconcile puts it back.
  const open = await post('/jobs', { customerId: customer.id, directoryIds: ['sandbox-0002'] });
  await stack.db.dataSource.query(`UPDATE jobs SET status = 'queued' WHERE id = $1`, [open.id]);
  // The reconciler leaves rows touched in the last seconds to the relay.
  await stack.db.dataSource.query(`UPDATE job_results SET updated_at = now() - interval '1 minute' WHERE job_id = $1`, [open.id]);
  const reconcile = await boltline('reconcile');
  expect(reconcile).toMatchObject({ code: 0, out: expect.stringMatching(/reconcile: 1 requeued, 0 removed/) });
});

it('resubmits the results awaiting review of one order, and only those; a cancelled order\'s stay', async () => {
  const customer = await post('/customers', CUSTOMER);
  const make = async (status: string) => {
    const order = await post('/jobs', { customerId: customer.id, directoryIds: ['sandbox-0003', 'sandbox-0004'] });
    // Both rows' outcome unknown after a crash; the order finished otherwise.
    await stack.db.dataSource.query(`UPDATE job_results SET status = 'needs_review' WHERE job_id = $1`, [order.id]);
    await stack.db.dataSource.query(`UPDATE jobs SET status = $2, needs_review = 2, completed_at = now() WHERE id = $1`, [order.id, status]);
    return order.id as string;
  };
  const [target, other, cancelled] = [await make('completed'), await make('completed'), await make('cancelled')];

  expect(await boltline('requeue-review')).toMatchObject({ code: 2, out: expect.stringMatching(/needs --order <id>, --directory <id> or --all/) });
  expect(await boltline('requeue-review', '--order', 'not-a-uuid')).toMatchObject({ code: 2, out: expect.stringMatching(/--order needs an order id \(a UUID\), not not-a-uuid/) });
  expect(await boltline('requeue-review', '--all', 'extra')).toMatchObject({ code: 2 });

  // Without --yes, a count and nothing changed.
  expect(await boltline('requeue-review', '--all')).toMatchObject({ code: 0, out: expect.stringMatching(/requeue-review: 4 would resubmit, 2 would skip\nnothing changed: add --yes/) });
  expect(await boltline('requeue-review', '--order', target)).toMatchObject({ code: 0, out: expect.stringMatching(/requeue-review: 2 would resubmit, 0 would skip/) });
  expect((await stack.db.dataSource.query(`SELECT count(*)::int AS n FROM job_results WHERE status = 'needs_review'`))[0].n).toBe(6);

  expect(await boltline('requeue-review', '--order', target, '--yes')).toMatchObject({ code: 0, out: expect.stringMatching(/requeue-review: 2 resubmitted, 0 skipped/) });
  // The worker may already have taken them again: what holds is that they left review, by the operator's decision.
  const statuses = async (id: string): Promise<string[]> =>
    (await stack.db.dataSource.query(`SELECT status FROM job_results WHERE job_id = $1 ORDER BY directory_id`, [id])).map((r: { status: string }) => r.status);
  const reviewed = async (id: string) =>
    (await stack.db.dataSource.query(`SELECT detail FROM job_events WHERE job_id = $1 AND type = 'reviewed'`, [id])).map((e: { detail: { decision: string; by: string } }) => e.detail);
  expect(await statuses(target)).not.toContain('needs_review');
  expect(await reviewed(target)).toEqual([expect.objectContaining({ decision: 'resubmit', by: expect.stringMatching(/^operator \S+@\S+ \(npm run boltline\)$/) }), expect.objectContaining({ decision: 'resubmit' })]);
  // In the audit log too, one entry per row, as the dashboard's decisions are.
  const audited = await stack.db.dataSource.query(`SELECT actor_type, actor, detail FROM audit_log WHERE action = 'result.review.resubmit' AND job_id = $1`, [target]);
  expect(audited).toHaveLength(2);
  expect(audited[0]).toMatchObject({ actor_type: 'system', actor: expect.stringMatching(/^operator \S+@\S+/) });
  expect(await statuses(other)).toEqual(['needs_review', 'needs_review']);
  await waitFor('the resubmitted rows to be submitted', async () => (await statuses(target)).every((s) => s === 'submitted'), { timeoutMs: orderDeadline(2, 1) });

  // One directory across orders: the cancelled order's row stays for a person to mark.
  expect(await boltline('requeue-review', '--directory', 'sandbox-0004', '--yes')).toMatchObject({ code: 0, out: expect.stringMatching(/requeue-review: 1 resubmitted, 1 skipped/) });
  expect((await statuses(other))[0]).toBe('needs_review');
  expect((await statuses(other))[1]).not.toBe('needs_review');
  expect(await statuses(cancelled)).toEqual(['needs_review', 'needs_review']);
});

it('drains a worker: it says so, the fleet shows it draining, and it is no longer ready', async () => {
  const fleet = await boltline('fleet');
  expect(fleet).toMatchObject({ code: 0, out: expect.stringMatching(/ up  worker  \d\/\d busy/) });
  const [id] = /^(\S+)\s+up\s+worker/m.exec(fleet.out)?.slice(1) ?? [];
  expect(id).toBeTruthy();
  expect((await boltline('drain', 'no-such-worker')).out).toMatch(/no worker no-such-worker in the fleet/);
  expect(await boltline('drain', id)).toMatchObject({ code: 0, out: expect.stringContaining(`asked ${id} to drain`) });
  await waitFor('the worker to drain', async () => /drained: nothing in flight/.test(stack.worker.output()), { timeoutMs: DEADLINE.event });
  await waitFor('the fleet to show it draining', async () => new RegExp(`^${id}\\s+draining`, 'm').test((await boltline('fleet')).out), { timeoutMs: DEADLINE.event });
  const ready = await fetch(`${workerUrl(stack.worker)}/health/ready`);
  expect(ready.status).toBe(503);
  expect((await ready.json()).detail).toMatch(/intake is down \(paused: it takes no work \(drained/);
});
