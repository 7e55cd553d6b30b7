import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../harness/otlp-receiver';
import { waitFor } from '../harness/wait';
import { CUSTOMER } from './support/api-app';
import { DEADLINE, orderDeadline } from './support/deadlines';
import { apiClient } from './support/http';
import { Stack } from './support/stack';

/**
 * OpenTelemetry tracing on (OTEL_EXPORTER_OTLP_ENDPOINT): an API and a worker export to a collector
 * stand-in the test runs, and one order is one trace, from the client's request through the outbox
 * relay and the queue to the worker's browser steps and database writes.
 */
let receiver: OtlpReceiver;
let stack: Stack;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await Stack.start({ name: 'tracing', workers: 1, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const { post, get } = apiClient(() => stack);
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

it('follows one order in one trace: request, relay, queue, worker, browser steps, database writes', async () => {
  const customer = await post('/customers', CUSTOMER);
  // The client is traced too: its trace id is the order's.
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await fetch(`${stack.base}/jobs`, {
    method: 'POST',
    headers: { ...stack.headers, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    body: JSON.stringify({ customerId: customer.id, directoryIds: ['sandbox-0001', 'sandbox-0002'] }),
  });
  expect(res.status).toBe(201);
  const job = await res.json();
  await waitFor(`order ${job.id} to complete`, async () => (await get(`/jobs/${job.id}`)).status === 'completed', { timeoutMs: orderDeadline(2, 1), intervalMs: 250 });
  // Probes and scrapes are not traced: this makes none (checked once a later request's span is in).
  await fetch(`${stack.origin}/api/v1/health/ready`);
  // A credential in a query string (event streams take `?token=`) does not reach the collector.
  const leak = 'leak-check-0123456789abcdef';
  await fetch(`${stack.base}/jobs?access_token=${leak}&status=completed`, { headers: stack.headers });

  // Spans reach the collector in batches (every 5 s).
  const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
  // Each process sends its own batches, in its own time: wait until every part has come.
  const arrived = () => {
    const t = inTrace();
    // A process sends a span once it ends, children before parents: BullMQ's consumer span is an entry's last.
    const attempted = new Set(t.filter((s) => s.name === 'browser attempt').map((s) => s.attributes['boltline.directory.id']));
    const ids = new Map(t.map((s) => [s.spanId, s]));
    const consumedBy = (s: ReceivedSpan): boolean => {
      const p = s.parentSpanId ? ids.get(s.parentSpanId) : undefined;
      return p !== undefined && (p.kind === CONSUMER || consumedBy(p));
    };
    const whole = t.filter((s) => s.name === 'browser attempt').every(consumedBy);
    return attempted.size === 2 && whole && t.some((s) => s.service === 'boltline-api' && s.kind === SERVER) && t.some((s) => s.name === 'publish submissions');
  };
  await waitFor('the spans of the request, the relay and both attempts', async () => arrived(), {
    timeoutMs: DEADLINE.event,
    describe: async () => [...new Set(inTrace().map((s) => `${s.service}: ${s.name}`))].join('; '),
  });
  const spans = inTrace();
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parent = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
  const ancestors = (s: ReceivedSpan) => {
    const up: ReceivedSpan[] = [];
    for (let p = parent(s); p; p = parent(p)) up.push(p);
    return up;
  };
  const one = (pred: (s: ReceivedSpan) => boolean, what: string) => {
    const found = spans.filter(pred);
    expect([what, found.length]).toEqual([what, 1]);
    return found[0];
  };

  // The API: the request (the client's span its parent), its queries, and the relay's publishing.
  const request = one((s) => s.service === 'boltline-api' && s.kind === SERVER && (s.attributes['http.request.method'] ?? s.attributes['http.method']) === 'POST', 'the request');
  expect(request.parentSpanId).toBe('00f067aa0ba902b7');
  expect(spans.some((s) => s.service === 'boltline-api' && s.attributes['db.system.name'] === 'postgresql' && s.parentSpanId !== undefined)).toBe(true);
  const publish = one((s) => s.name === 'publish submissions', 'the relay publishing the order');
  expect([publish.kind, publish.attributes['boltline.order.id'], ancestors(publish).includes(request)]).toEqual([PRODUCER, job.id, true]);

  // The worker: BullMQ's consumer span per entry (one more for an attempt retried on a loaded
  // machine), each a child of the publishing, and under it the attempt's browser steps, its
  // database writes and its Redis commands.
  const consumed = spans.filter((s) => s.service === 'boltline-worker' && s.kind === CONSUMER);
  expect(consumed.length).toBeGreaterThanOrEqual(2);
  // (A retried entry's next consumer span follows BullMQ's retry span, under the same publishing.)
  for (const c of consumed) expect(ancestors(c)).toContain(publish);
  const attempts = spans.filter((s) => s.name === 'browser attempt');
  expect([...new Set(attempts.map((a) => a.attributes['boltline.directory.id']))].sort()).toEqual(['sandbox-0001', 'sandbox-0002']);
  const underConsumer = (s: ReceivedSpan) => ancestors(s).some((p) => p.kind === CONSUMER && p.service === 'boltline-worker');
  for (const a of attempts) expect(underConsumer(a)).toBe(true);
  // Each directory's attempt that went through shows every phase (a failed one stops where it failed).
  const stepsOf = (a: ReceivedSpan) => spans.filter((s) => parent(s)?.spanId === a.spanId).map((s) => s.name);
  for (const directory of ['sandbox-0001', 'sandbox-0002']) {
    const phases = attempts.filter((a) => a.attributes['boltline.directory.id'] === directory).map(stepsOf);
    expect([directory, phases.some((p) => ['browser form page', 'browser step 1', 'browser outcome'].every((n) => p.includes(n)))]).toEqual([directory, true]);
  }
  const workerQueries = spans.filter((s) => s.service === 'boltline-worker' && s.attributes['db.system.name'] === 'postgresql');
  expect(workerQueries.filter(underConsumer).some((s) => /UPDATE job_results/i.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '')))).toBe(true);
  expect(spans.some((s) => s.service === 'boltline-worker' && s.attributes['db.system.name'] === 'redis' && underConsumer(s))).toBe(true);

  const listed = await waitFor('the listing request\'s span', async () => receiver.spans.find((s) => s.kind === SERVER && /access_token/.test(String(s.attributes['url.query']))), { timeoutMs: DEADLINE.event });
  expect(listed.attributes['url.query']).toBe('access_token=[redacted]&status=completed');
  expect(JSON.stringify(receiver.spans)).not.toContain(leak);
  // No trace starts with housekeeping: BullMQ looked for work many times on the worker meanwhile.
  expect(receiver.spans.filter((s) => /^(getNextJob|moveStalledJobsToWait|extendLocks|startStalledCheckTimer) /.test(s.name))).toEqual([]);
  // Nothing for the probes, in this trace or any other; and no HTTP at all from the worker, whose
  // egress proxy carries Chromium's requests to the directories (they must leave untouched).
  expect(receiver.spans.filter((s) => /health|metrics/.test(String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? s.name)))).toEqual([]);
  expect(receiver.spans.filter((s) => s.service === 'boltline-worker' && (s.attributes['http.request.method'] ?? s.attributes['http.method']) !== undefined)).toEqual([]);
  // The order keeps its request's trace context.
  const [row] = await stack.db.dataSource.query(`SELECT trace_parent FROM jobs WHERE id = $1`, [job.id]);
  const [, kept] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(row.trace_parent) ?? [];
  expect(kept).toBe(traceId);
  const opener = byId.get(row.trace_parent.split('-')[2]);
  expect(opener && [opener, ...ancestors(opener)]).toContain(request);
});
