import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from '../common/timeout';

/** Submissions take seconds to a minute (SUBMIT_TIMEOUT_MS is 45 s by default). */
const SUBMISSION_BUCKETS_S = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 45, 60, 120];
/** API requests take milliseconds; an order of 500 directories, a few tens of them. */
const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How long a scrape-time read of PostgreSQL or Redis may take before its gauge goes without a value. */
const READ_TIMEOUT_MS = 2000;

/**
 * Every Prometheus metric Boltline defines, in one place, on one registry per process (so the
 * tests' several apps in one process do not meet in prom-client's global one): Node's own
 * (`process_*`, `nodejs_*`, event-loop lag included) and Boltline's (`boltline_*`). The metrics a
 * process reads from the stores at scrape time are registered by what owns them
 * ({@link Metrics.gauge}). Served at `/metrics` by the API and by a worker's HTTP port.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'boltline_http_request_duration_seconds',
    help: 'API requests by method, route (its pattern, not its path) and status; event streams not included',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS_S,
    registers: [this.registry],
  });

  readonly attempts = new Counter({
    name: 'boltline_submission_attempts_total',
    help: 'Submission attempts that ended, by directory and by the status they left the row in (retry: another attempt follows)',
    labelNames: ['directory', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly attemptDuration = new Histogram({
    name: 'boltline_submission_duration_seconds',
    help: 'How long a submission attempt took, browser work included, by the status it left the row in',
    labelNames: ['outcome'] as const,
    buckets: SUBMISSION_BUCKETS_S,
    registers: [this.registry],
  });

  readonly requeues = new Counter({
    name: 'boltline_submission_requeues_total',
    help: 'Queue entries sent back to wait without using up an attempt, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly repairs = new Counter({
    name: 'boltline_reconciler_repairs_total',
    help: "The reconciler's repairs of the queue against PostgreSQL: entries queued again (requeued) and entries removed (orphan)",
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly retained = new Counter({
    name: 'boltline_retention_removed_total',
    help: 'What retention deleted, by kind: orders, results, events, files, outbox, idempotency_keys, sessions, audit',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A gauge whose value is read when Prometheus asks (`read` sets it), on this process's
   * registry. A read that fails or takes longer than {@link READ_TIMEOUT_MS} leaves no value
   * (NaN when the gauge has no labels) rather than an old one, and does not fail the scrape.
   */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: (gauge: Gauge<L>) => Promise<void> | void): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        try {
          await withTimeout(read(this), READ_TIMEOUT_MS, name);
        } catch {
          this.reset();
          if (labelNames.length === 0) (this as Gauge).set(NaN);
        }
      },
    });
  }
}
