import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HealthCheckService, type HealthIndicatorFunction, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { withTimeout } from '../common/timeout';
import { redisOf } from '../queue/queue-redis';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';

/**
 * How long one check may take before it counts as down. A probe (Kubernetes, a load balancer)
 * gets its answer within this even when a store hangs instead of refusing, and an answer that
 * slow is not one a request could live with anyway.
 */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/** A process's readiness, said in one line: "postgres is up, redis is down (connect ECONNREFUSED …)". */
export type Readiness = { ready: true; result: HealthCheckResult } | { ready: false; result: HealthCheckResult; detail: string };

/**
 * The checks both kinds of process run for readiness (with @nestjs/terminus): PostgreSQL and
 * Redis answer within {@link HEALTH_CHECK_TIMEOUT_MS}. A process adds its own (a worker: that it
 * takes work) with {@link readiness}'s `more`.
 */
@Injectable()
export class HealthChecks {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
  ) {}

  async readiness(more: HealthIndicatorFunction[] = []): Promise<Readiness> {
    try {
      return { ready: true, result: await this.health.check([() => this.postgres(), () => this.redis(), ...more]) };
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const result = err.getResponse() as HealthCheckResult;
      // Terminus lists the checks as they finish: the stores first, then the rest, for a stable sentence.
      const order = (name: string) => ['postgres', 'redis'].indexOf(name) >>> 0;
      const said = Object.entries(result.details).sort(([a], [b]) => order(a) - order(b)).map(([name, d]) => `${name} is ${d.status}${d.status === 'down' && d.message ? ` (${d.message})` : ''}`);
      return { ready: false, result, detail: said.join(', ') };
    }
  }

  /** A check of the process's own: up, or down saying why (`problem`). */
  verdict<Key extends string>(key: Key, problem: string | undefined) {
    const check = this.indicator.check(key);
    return problem === undefined ? check.up() : check.down({ message: problem });
  }

  private postgres() {
    return this.timed('postgres', () => this.db.query('SELECT 1'));
  }

  /** A PING on the process's own queue connection, the one its BullMQ traffic uses. */
  private redis() {
    return this.timed('redis', async () => (await redisOf(this.queue)).ping());
  }

  /** Up when `probe` answers within {@link HEALTH_CHECK_TIMEOUT_MS}; down saying why not. */
  private async timed<Key extends string>(key: Key, probe: () => Promise<unknown>) {
    const check = this.indicator.check(key);
    try {
      await withTimeout(probe(), HEALTH_CHECK_TIMEOUT_MS, key);
      return check.up();
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }
}
