import { Queue } from 'bullmq';
import { SUBMISSION_QUEUE, submissionJobId } from '../../src/queue/queue.constants';
import type { FaultHarness } from './harness';

export interface Counters {
  lost: number;
  missingResults: number;
  duplicateRows: number;
  duplicateSubmissions: number;
  unexplainedDuplicates: number;
  orphans: number;
  stranded: number;
  serverErrors: number;
  needsReview: number;
}

/**
 * Counts what went wrong, from ground truth kept outside Boltline's database where it can be:
 * the sandbox's own record of submissions and the client's record of acknowledged orders and
 * HTTP statuses. `explainedDuplicates` are directories where a kill landed between the click and
 * the record: a duplicate there is allowed only if the row says so (`needs_review`).
 */
export async function check(h: FaultHarness): Promise<Counters> {
  const ds = h.db.dataSource;
  const ids = [...h.acknowledged];
  const jobs: Array<{ id: string; status: string; total: number; rows: number }> = await ds.query(
    `SELECT j.id, j.status, j.total, (SELECT count(*)::int FROM job_results r WHERE r.job_id = j.id) AS rows FROM jobs j WHERE j.id = ANY($1)`,
    [ids],
  );
  const lost = ids.length - jobs.filter((j) => j.status === 'completed' || j.status === 'cancelled').length;
  const missingResults = jobs.reduce((n, j) => n + Math.max(0, j.total - j.rows), 0);
  const [{ n: duplicateRows }] = await ds.query(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM job_results GROUP BY job_id, directory_id HAVING count(*) > 1) d`,
  );

  // Each customer has its own website, so (directory, website) names one result row.
  const perTarget = new Map<string, number>();
  for (const s of h.sandbox.received()) perTarget.set(`${s.slug} ${s.website}`, (perTarget.get(`${s.slug} ${s.website}`) ?? 0) + 1);
  const reviewRows: Array<{ key: string }> = await ds.query(
    `SELECT r.directory_id || ' ' || c.website AS key FROM job_results r JOIN jobs j ON j.id = r.job_id
       JOIN customers c ON c.id = j.customer_id WHERE r.status = 'needs_review'`,
  );
  const review = new Set(reviewRows.map((r) => r.key));
  const dupes = [...perTarget].filter(([, n]) => n > 1);
  const unexplained = dupes.filter(([k]) => !review.has(k));
  const unexplainedDuplicates = unexplained.length;
  if (unexplained.length && process.env.FAULTS_DEBUG) {
    for (const w of h.workers) console.log(`worker ${w.child.pid}:`, w.output().slice(-3000));
    for (const [key] of unexplained) {
      const [slug, website] = key.split(' ');
      console.log(key, h.sandbox.received().filter((s) => s.slug === slug && s.website === website).map((s) => `${s.outcome}@${s.at}`));
      console.log(JSON.stringify(await ds.query(
        `SELECT r.status, r.attempts, r.generation, r.response_log FROM job_results r JOIN jobs j ON j.id = r.job_id JOIN customers c ON c.id = j.customer_id
          WHERE r.directory_id = $1 AND c.website = $2`, [slug, website])));
    }
  }

  const u = new URL(h.redis.url);
  const queue = new Queue(SUBMISSION_QUEUE, { prefix: h.env.QUEUE_PREFIX, connection: { host: u.hostname, port: Number(u.port) } });
  try {
    const entries = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    const open: Array<{ id: string; generation: number }> = await ds.query(
      `SELECT r.id::text, r.generation FROM job_results r JOIN jobs j ON j.id = r.job_id
        WHERE j.status IN ('queued', 'running') AND r.status IN ('pending', 'retry') OR r.status = 'submitting'`,
    );
    const openIds = new Set(open.map((r) => submissionJobId(r.id, r.generation)));
    const orphans = entries.filter((e) => !openIds.has(e.id as string)).length;
    const states = await Promise.all([...openIds].map((id) => queue.getJobState(id)));
    const stranded = states.filter((s) => s === 'unknown' || s === 'completed' || s === 'failed').length;
    return {
      lost,
      missingResults,
      duplicateRows,
      duplicateSubmissions: dupes.length,
      unexplainedDuplicates,
      orphans,
      stranded,
      serverErrors: h.statuses.filter((s) => s >= 500).length - h.unavailable,
      needsReview: review.size,
    };
  } finally {
    await queue.close();
  }
}
