import { DataSource, type QueryRunner } from 'typeorm';
import { Customer } from '../src/customers/customer.entity';
import { listingValues } from '../src/customers/listing-values';
import { dataSourceOptions } from '../src/database/data-source';
import { JobResult } from '../src/orders/job-result.entity';
import { openOrder } from '../src/orders/ledger';
import { ResultsService } from '../src/results/results.service';
import { Metrics } from '../src/metrics/metrics';
import { LocalEvidence } from '../src/evidence/local-evidence';
import { tmpdir } from 'node:os';
import { importSandboxCatalogue } from '../src/sandbox/catalogue';
import { createTestDatabase, TestDatabase } from '../harness/database';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';

/**
 * A worker's claim takes the order's lock and then the row's in one statement, and reads what
 * the attempt runs with in the write that claims the row. Held here against real PostgreSQL: the
 * lock order every writer of an order keeps, and a claim that waited for a lock seeing what the
 * holder committed meanwhile.
 */
let db: TestDatabase;
let pool: DataSource;
let results: ResultsService;
let customerId: string;
beforeAll(async () => {
  db = await createTestDatabase('claim');
  await importSandboxCatalogue(db.dataSource.manager, 'http://127.0.0.1:4999/');
  customerId = (await db.dataSource.getRepository(Customer).save(db.dataSource.getRepository(Customer).create(CUSTOMER))).id;
  pool = new DataSource(dataSourceOptions(db.url, 'app', [JobResult, Customer]));
  await pool.initialize();
  results = new ResultsService(pool, { publish: () => undefined } as never, new Metrics(), new LocalEvidence(tmpdir()));
});
afterAll(async () => {
  await pool?.destroy();
  await db?.drop();
});

/** A queued one-directory order; its row's id and generation. */
async function newRow(): Promise<{ jobId: string; id: string; generation: number }> {
  const opened = await openOrder(db.dataSource.manager, {
    customerId, accountId: null, packageSize: null, priority: 2, directoryIds: ['sandbox-0001'], awaitApproval: false, idempotencyKey: null, requestId: null, traceParent: null, openLimit: null,
  });
  if (!('job' in opened)) throw new Error(`no order opened: ${JSON.stringify(opened)}`);
  const { job } = opened;
  const [row] = await db.dataSource.query(`SELECT id::text, generation FROM job_results WHERE job_id = $1`, [job.id]);
  return { jobId: job.id, ...row };
}

/** Another session's open transaction, to hold locks with. */
async function session(): Promise<QueryRunner> {
  const q = db.dataSource.createQueryRunner();
  await q.connect();
  await q.startTransaction();
  return q;
}

/** Until some session of the test database waits for a row lock. */
const someoneWaitsForALock = () =>
  waitFor('a claim to wait for a lock', async () => {
    const [{ waiting }] = await db.dataSource.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    return waiting > 0;
  }, { timeoutMs: 10_000, intervalMs: 20 });

it('hands the attempt its directory revision and its customer’s listing, and starts the order', async () => {
  const row = await newRow();
  const claim = await results.claim(row.id, row.generation, 0);
  expect(claim.kind).toBe('claimed');
  if (claim.kind !== 'claimed') return;
  const [revision] = await db.dataSource.query(`SELECT revision, submit_url FROM directory_revisions WHERE directory_id = 'sandbox-0001' ORDER BY revision DESC LIMIT 1`);
  expect(claim.ctx.directory).toMatchObject({ id: 'sandbox-0001', revision: revision.revision, submitUrl: revision.submit_url });
  expect(listingValues(claim.ctx.customer, '/artifacts')).toEqual({ ...CUSTOMER, logo: '' });
  const [job] = await db.dataSource.query(`SELECT status, started_at IS NOT NULL AS started, (SELECT count(*)::int FROM job_events e WHERE e.job_id = j.id AND type = 'started') AS events FROM jobs j WHERE id = $1`, [row.jobId]);
  expect(job).toEqual({ status: 'running', started: true, events: 1 });
  const [claimed] = await db.dataSource.query(`SELECT attempts, attempt_token, directory_revision FROM job_results WHERE id = $1`, [row.id]);
  expect(claimed).toEqual({ attempts: 1, attempt_token: claim.ctx.token, directory_revision: revision.revision });
});

/** The locks another session holds while a claim waits: a result row's, an order's. */
const ROW_LOCK = `SELECT 1 FROM job_results WHERE id = $1 FOR UPDATE`;
const ORDER_LOCK = `SELECT 1 FROM jobs WHERE id = $1 FOR NO KEY UPDATE`;

/**
 * Claims `row` while another session holds a lock (`lock`, on `lockedId`): once the claim waits
 * for it, `meanwhile` runs in that session, which then commits. Resolves to the claim's answer.
 */
async function claimWhileLocked(row: { id: string; generation: number }, lock: string, lockedId: string, meanwhile: (holder: QueryRunner) => Promise<unknown>) {
  const holder = await session();
  try {
    await holder.query(lock, [lockedId]);
    const claiming = results.claim(row.id, row.generation, 0);
    await someoneWaitsForALock();
    await meanwhile(holder);
    await holder.commitTransaction();
    return await claiming;
  } finally {
    await holder.release();
  }
}

it("takes the order's lock before the row's, as every writer of an order does", async () => {
  const row = await newRow();
  const claim = await claimWhileLocked(row, ROW_LOCK, row.id, () =>
    // The claim waits for the row while holding the order: a writer that locks the order first
    // (pause, cancel, a finish) waits for the claim rather than deadlocking with it.
    expect(db.dataSource.query(`SELECT 1 FROM jobs WHERE id = $1 FOR NO KEY UPDATE NOWAIT`, [row.jobId])).rejects.toMatchObject({ code: '55P03' }),
  );
  expect(claim.kind).toBe('claimed');
});

it('a claim that waited for the order sees what the holder committed: a paused order is not attempted', async () => {
  const row = await newRow();
  const claim = await claimWhileLocked(row, ORDER_LOCK, row.jobId, (holder) => holder.query(`UPDATE jobs SET status = 'paused' WHERE id = $1`, [row.jobId]));
  expect(claim).toEqual({ kind: 'skip', reason: 'order is paused' });
  const [untouched] = await db.dataSource.query(`SELECT attempts, attempt_token FROM job_results WHERE id = $1`, [row.id]);
  expect(untouched).toEqual({ attempts: 0, attempt_token: null });
});

it('a claim that waited for the row sees what the holder committed: a row another attempt finished is skipped', async () => {
  const row = await newRow();
  const claim = await claimWhileLocked(row, ROW_LOCK, row.id, (holder) => holder.query(`UPDATE job_results SET status = 'failed' WHERE id = $1`, [row.id]));
  expect(claim).toEqual({ kind: 'skip', reason: 'already failed' });
});
