import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { JOB_STATUSES } from '../orders/statuses';
import { isGone, readFleet } from '../live/fleet';
import { WorkerBeat } from '../live/live.constants';
import { redisOf } from '../queue/queue-redis';
import { ASSISTED_QUEUE, SUBMISSION_QUEUE } from '../queue/queue.constants';
import { DirectoriesQuery } from './directories.query';
import { keyPrefix } from '../queue/redis-connection';

export interface MinuteBar {
  minute: Date;
  submitted: number;
  failed: number;
}

export interface FleetWorker extends WorkerBeat {
  gone: boolean;
  slots: Array<WorkerBeat['slots'][number] & { customer: string; directoryName: string; elapsedMs: number }>;
}

/** Everything on the overview page, read fresh each time (it is also the live fragment). */
@Injectable()
export class OverviewQuery {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
    @InjectQueue(ASSISTED_QUEUE) private readonly assisted: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directories: DirectoriesQuery,
  ) {}

  async read() {
    const [byStatus, minutes, worst, depth, fleet, paused] = await Promise.all([
      this.ordersByStatus(),
      this.lastHour(),
      this.worstDirectories(),
      this.queueDepth(),
      this.fleet(),
      this.directories.needingAttention(),
    ]);
    return { byStatus, minutes, chart: chart(minutes), worst, depth, fleet, paused };
  }

  private async ordersByStatus() {
    const rows: Array<{ status: string; n: number }> = await this.db.query(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`);
    const counts = new Map(rows.map((r) => [r.status, r.n]));
    return JOB_STATUSES.map((status) => ({ status, count: counts.get(status) ?? 0 }));
  }

  /** Final outcomes per minute over the last hour, every minute present (zeros included). */
  private lastHour(): Promise<MinuteBar[]> {
    return this.db.query(
      `SELECT m.minute, coalesce(count(r.id) FILTER (WHERE r.status = 'submitted'), 0)::int AS submitted,
              coalesce(count(r.id) FILTER (WHERE r.status IN ('failed', 'blocked_by_policy')), 0)::int AS failed
         FROM generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') AS m(minute)
         LEFT JOIN job_results r ON r.finished_at >= m.minute AND r.finished_at < m.minute + interval '1 minute'
                                AND r.finished_at >= date_trunc('minute', now()) - interval '59 minutes'
        GROUP BY m.minute ORDER BY m.minute`,
    );
  }

  /** Directories with the lowest share of submissions among today's final outcomes (at least 3). */
  private worstDirectories() {
    return this.db.query(
      `SELECT r.directory_id AS "directoryId", d.name, count(*)::int AS finished,
              count(*) FILTER (WHERE r.status = 'submitted')::int AS submitted,
              round(100.0 * count(*) FILTER (WHERE r.status = 'submitted') / count(*))::int AS "successPercent"
         FROM job_results r JOIN directories d ON d.id = r.directory_id
        WHERE r.finished_at >= date_trunc('day', now()) AND r.status IN ('submitted', 'failed', 'blocked_by_policy', 'needs_review')
        GROUP BY r.directory_id, d.name HAVING count(*) >= 3
        ORDER BY "successPercent", finished DESC LIMIT 8`,
    );
  }

  private async queueDepth() {
    try {
      const [counts, assisted] = await Promise.all([
        this.queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'failed', 'completed', 'paused'),
        this.assisted.getJobCounts('active', 'waiting', 'prioritized', 'delayed'),
      ]);
      // Forms a person finishes wait for staff with the browser extension: shown apart.
      const forPeople = Object.values(assisted).reduce((a, b) => a + b, 0);
      return { available: true, counts: Object.entries(counts).map(([state, count]) => ({ state, count })), forPeople };
    } catch {
      return { available: false, counts: [] };
    }
  }

  /** The workers' heartbeats alone (Redis only): none while Redis does not answer. */
  beats(): Promise<WorkerBeat[]> {
    return redisOf(this.queue)
      .then((redis) => readFleet(redis, keyPrefix(this.config)))
      .catch(() => []);
  }

  /** Every worker that beat in the last 15 minutes, with names for what its slots are on. */
  async fleet(): Promise<FleetWorker[]> {
    const beats = await this.beats();
    const resultIds = beats.flatMap((b) => b.slots.map((s) => s.resultId));
    const names: Array<{ id: string; customer: string; directory: string }> = resultIds.length
      ? await this.db.query(
          `SELECT r.id::text, c.business_name AS customer, d.name AS directory
             FROM job_results r JOIN jobs j ON j.id = r.job_id JOIN customers c ON c.id = j.customer_id JOIN directories d ON d.id = r.directory_id
            WHERE r.id = ANY($1::bigint[])`,
          [resultIds],
        )
      : [];
    const byId = new Map(names.map((n) => [n.id, n]));
    const now = Date.now();
    return beats
      .map((b) => ({
        ...b,
        gone: isGone(b, now),
        slots: b.slots.map((s) => ({ ...s, customer: byId.get(s.resultId)?.customer ?? '', directoryName: byId.get(s.resultId)?.directory ?? s.directoryId, elapsedMs: now - Date.parse(s.since) })),
      }))
      .sort((a, b) => Number(a.gone) - Number(b.gone) || a.id.localeCompare(b.id));
  }
}

/** Bar geometry for the last hour's chart (an inline SVG, so it reads without JavaScript). */
function chart(minutes: MinuteBar[]) {
  const max = Math.max(1, ...minutes.map((m) => m.submitted + m.failed));
  const height = 120;
  return {
    max,
    height,
    submitted: minutes.reduce((n, m) => n + m.submitted, 0),
    failed: minutes.reduce((n, m) => n + m.failed, 0),
    bars: minutes.map((m, i) => {
      const hs = Math.round((m.submitted / max) * height);
      const hf = Math.round((m.failed / max) * height);
      return { x: i * 10, submittedY: height - hs, submittedH: hs, failedY: height - hs - hf, failedH: hf, ...m };
    }),
  };
}
