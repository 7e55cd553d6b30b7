import { createStaff } from '../src/auth/staff.service';
import { importSandboxCatalogue, SANDBOX_DEFAULT_URL } from '../src/sandbox/catalogue';
import { createTestDatabase, TestDatabase } from '../harness/database';
import { freePort, Proc, startApi } from '../harness/processes';
import { type Figure, meetsBound, percentile } from './report';
import { progress } from './progress';
import { runAlone } from './standalone';
import { forgetQueuePrefix, REPEAT } from './support';

/**
 * The staff dashboard's pages against a database the size of a busy deployment: by default
 * 10,000 orders and just over 500,000 results (BENCH_ORDERS). Each page is asked for
 * BENCH_DASHBOARD_REQUESTS (20) times in a round, in turn over loopback by a signed-in staff
 * member, REPEAT rounds; a figure is a page's p95 per round. The time is from request to the
 * last byte, so it bounds the server's time from above. The target is 300 ms for the orders page
 * and a 500-directory order. `npm run bench:dashboard` runs it alone.
 */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_DASHBOARD_REQUESTS ?? 20);
const BIG_ORDERS = 20; // of 500 directories; the others have 50
const TARGET_MS = 300;
/** Requests before a page's first timed one, per round: they warm caches and templates. */
const WARM = 2;

/** Orders spread over 30 days, most finished, some failing with real-looking errors. */
export async function seed(db: TestDatabase, orders = ORDERS): Promise<void> {
  const q = (sql: string) => db.dataSource.query(sql);
  await q(`
    INSERT INTO customers (business_name, email, phone, website, address, city, state, zip, country, category, description)
    SELECT (ARRAY['Blue Door','Harbor','Meadow','Quiet Owl','Golden','Northside','Riverside','Copper','Maple','Summit'])[1 + i % 10]
           || ' ' || (ARRAY['Bakery','Florist','Hardware','Plumbing','Dental','Books','Coffee','Garage','Salon','Pottery'])[1 + (i / 10) % 10]
           || ' ' || i,
           'owner' || i || '@business' || i || '.example', '+1 512 555 ' || lpad((i % 10000)::text, 4, '0'),
           'https://business' || i || '.example', i || ' Main Street', 'Austin', 'TX', '78701', 'US', 'Local business', ''
      FROM generate_series(1, ${Math.ceil(orders / 5)}) AS i`);
  await q(`
    INSERT INTO jobs (customer_id, package_size, priority, status, total, created_at, updated_at, started_at, completed_at)
    SELECT c.id, CASE WHEN i <= ${BIG_ORDERS} THEN 500 ELSE 50 END, 1 + i % 4,
           CASE WHEN i % 100 < 80 THEN 'completed' WHEN i % 100 < 90 THEN 'running' WHEN i % 100 < 95 THEN 'queued'
                WHEN i % 100 < 98 THEN 'awaiting_approval' ELSE 'cancelled' END,
           CASE WHEN i <= ${BIG_ORDERS} THEN 500 ELSE 50 END,
           now() - (i * interval '259 seconds'), now(), now() - (i * interval '259 seconds'), NULL
      FROM generate_series(1, ${orders}) AS i
      JOIN LATERAL (SELECT id FROM customers ORDER BY id OFFSET (i % ${Math.ceil(orders / 5)}) LIMIT 1) c ON true`);
  const errors = `ARRAY['form page answered HTTP 410', 'the page did not answer within SUBMIT_TIMEOUT_MS (45000 ms)',
                        'the directory refused the listing: phone number rejected', 'renderer crashed while filling the form',
                        'captcha shown; cannot continue']`;
  await q(`
    INSERT INTO job_results (job_id, directory_id, status, attempts, error_message, started_at, finished_at, submitted_at, duration_ms, response_log)
    SELECT j.id, d.id,
           CASE WHEN j.status IN ('queued', 'awaiting_approval') THEN 'pending'
                WHEN j.status = 'cancelled' THEN 'cancelled'
                WHEN j.status = 'running' AND d.position % 3 = 0 THEN 'pending'
                WHEN d.position % 53 = 7 THEN 'failed' WHEN d.position % 97 = 11 THEN 'needs_review'
                ELSE 'submitted' END,
           1 + d.position % 3,
           NULL, j.created_at + interval '1 minute', j.created_at + interval '2 minutes', NULL, 1500 + d.position * 7,
           jsonb_build_array(jsonb_build_object('at', j.created_at, 'attempt', 1, 'event', 'form opened', 'detail', 'HTTP 200'),
                             jsonb_build_object('at', j.created_at, 'attempt', 1, 'event', 'submitted', 'detail', 'thank-you page shown'))
      FROM jobs j JOIN LATERAL (SELECT id, position FROM directories WHERE enabled ORDER BY position LIMIT j.total) d ON true`);
  await q(`UPDATE job_results r SET error_message = (${errors})[1 + (r.id % 5)::int] WHERE status IN ('failed', 'needs_review')`);
  await q(`UPDATE job_results SET finished_at = NULL WHERE status = 'pending'`);
  await q(`UPDATE job_results SET submitted_at = finished_at WHERE status = 'submitted'`);
  await q(`
    UPDATE jobs j SET submitted = s.submitted, failed = s.failed, cancelled = s.cancelled, needs_review = s.needs_review,
                      completed_at = CASE WHEN j.status IN ('completed', 'cancelled') THEN j.created_at + interval '10 minutes' END
      FROM (SELECT job_id, count(*) FILTER (WHERE status = 'submitted') AS submitted, count(*) FILTER (WHERE status = 'failed') AS failed,
                   count(*) FILTER (WHERE status = 'cancelled') AS cancelled, count(*) FILTER (WHERE status = 'needs_review') AS needs_review
              FROM job_results GROUP BY job_id) s
     WHERE s.job_id = j.id`);
  await q(`INSERT INTO job_events (job_id, type, created_at) SELECT id, 'created', created_at FROM jobs`);
  await q(`ANALYZE`);
}

/** A staff session over plain fetch: the sign-in form, its CSRF token and the session cookie. */
async function signIn(origin: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${origin}/staff/login`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${origin}/staff/login`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: csrf }),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/** The dashboard's figures over a freshly seeded database of `orders` orders (BENCH_ORDERS). */
export async function dashboardSection(sandboxUrl: string = SANDBOX_DEFAULT_URL, orders = ORDERS): Promise<Figure[]> {
  const db = await createTestDatabase('bench');
  // The API's reconciler queues the seeded open orders' rows: they go with the prefix at the end.
  const prefix = `bench-dash-${process.pid}-${Date.now()}`;
  let api: Proc | undefined;
  try {
    await importSandboxCatalogue(db.dataSource.manager, sandboxUrl);
    const seeding = performance.now();
    await seed(db, orders);
    const [{ seeded, results }] = await db.dataSource.query(`SELECT (SELECT count(*) FROM jobs)::int AS seeded, (SELECT count(*) FROM job_results)::int AS results`);
    const seedSeconds = (performance.now() - seeding) / 1000;
    progress('dashboard', `seeded ${seeded} orders, ${results} results in ${seedSeconds.toFixed(0)} s`);
    await createStaff(db.dataSource.manager, 'bench@boltline.local', 'bench password 123', 'admin');
    const [big] = await db.dataSource.query(`SELECT id FROM jobs WHERE total = 500 ORDER BY created_at LIMIT 1`);
    const [named] = await db.dataSource.query(`SELECT c.business_name AS name FROM jobs j JOIN customers c ON c.id = j.customer_id ORDER BY j.created_at LIMIT 1`);

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    api = await startApi({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' }, port);
    const cookie = await signIn(origin, 'bench@boltline.local', 'bench password 123');

    const pages: Array<[string, string, boolean]> = [
      ['orders page (newest 50)', '/dashboard/orders', true],
      ['orders, status running', '/dashboard/orders?status=running', false],
      ['orders, priority 1 and completed', '/dashboard/orders?status=completed&priority=1', false],
      ['search: business name', `/dashboard/orders?q=${encodeURIComponent(named.name)}`, false],
      ['search: name fragment "owl pottery"', '/dashboard/orders?q=owl+pottery', false],
      ['search: error text "captcha"', '/dashboard/orders?q=captcha', false],
      ['search: directory id', '/dashboard/orders?q=sandbox-0042', false],
      ['approvals', '/dashboard/approvals', false],
      ['500-directory order detail', `/dashboard/orders/${big.id}`, true],
      ['its rows fragment (all 500)', `/dashboard/orders/${big.id}/rows`, false],
      ['overview', '/dashboard', false],
      ['needs review', '/dashboard/review', false],
      ['directories (first 100 of 520)', '/dashboard/directories', false],
      ['a directory with its results', '/dashboard/directories/sandbox-0001', false],
    ];
    // Rounds outside, pages inside: a slow moment of the machine touches every page a little.
    const p95s = pages.map(() => [] as number[]);
    const sizes = pages.map(() => 0);
    for (let round = 0; round < REPEAT; round++) {
      for (const [i, [, path]] of pages.entries()) {
        const times: number[] = [];
        for (let k = 0; k < WARM + REQUESTS; k++) {
          const t = performance.now();
          const res = await fetch(`${origin}${path}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
          const body = await res.text();
          if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
          if (k >= WARM) times.push(performance.now() - t);
          sizes[i] = body.length;
        }
        p95s[i].push(percentile(times, 95));
      }
      progress('dashboard', `round ${round + 1}/${REPEAT} done`);
    }
    const data = `${seeded} orders, ${results} results (seeded in ${seedSeconds.toFixed(0)} s)`;
    return pages.map(([name, , targeted], i) => ({
      id: `dashboard.${i + 1}`,
      section: 'dashboard',
      measure: `${name}, p95 of ${REQUESTS} requests`,
      unit: 'ms',
      samples: p95s[i],
      better: 'lower' as const,
      ...(targeted ? { bound: TARGET_MS } : {}),
      note: i === 0 ? `${data}; ${(sizes[i] / 1024).toFixed(0)} KiB` : `${(sizes[i] / 1024).toFixed(0)} KiB`,
    }));
  } finally {
    try {
      await api?.kill('SIGTERM');
      await forgetQueuePrefix(prefix);
    } finally {
      await db.drop();
    }
  }
}

if (require.main === module) {
  // Alone (`npm run bench:dashboard`) it exits 1 when a page misses its target.
  runAlone(async (url) => {
    const figures = await dashboardSection(url);
    if (!figures.every(meetsBound)) process.exitCode = 1;
    return figures;
  }, { sandbox: false });
}
