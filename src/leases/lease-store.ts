import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { ResponseLogEntry } from '../common/response-log';
import type { SubmissionQueueName } from '../queue/queue.constants';
import type { SettledResponse, WorkerIdentity } from './protocol';
import { WorkerLease } from './worker-lease.entity';

/** Log lines a lease keeps from heartbeats, newest last: enough for staff to follow an attempt. */
const MAX_LEASE_LOG = 200;

export interface NewLease {
  keyId: string;
  worker: WorkerIdentity;
  resultId: string;
  jobId: string;
  directoryId: string;
  queue: SubmissionQueueName;
  queueEntryId: string;
  queueToken: string;
  token: string;
  kind: 'submit' | 'verify';
  attempt: number;
  orderStatus: string;
  turnHolder: string;
}

/**
 * The leases in PostgreSQL. Every change is conditional on the lease still being where the
 * caller saw it (active, same token): two calls about one lease can never both win.
 */
@Injectable()
export class LeaseStore {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(WorkerLease) private readonly leases: Repository<WorkerLease>,
  ) {}

  /**
   * Records a lease unless the key already holds `cap` open ones. The key's row is locked for
   * the count, so concurrent lease calls of one key (on any API replica) cannot pass the cap together.
   */
  async insert(l: NewLease, leaseMs: number, cap: number): Promise<WorkerLease | undefined> {
    return this.db.transaction(async (m) => {
      await m.query(`SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE`, [l.keyId]);
      const [{ open }]: Array<{ open: number }> = await m.query(`SELECT count(*)::int AS open FROM worker_leases WHERE key_id = $1 AND state IN ('active', 'settling')`, [l.keyId]);
      if (open >= cap) return undefined;
      const [row]: Array<{ id: string }> = await m.query(
        `INSERT INTO worker_leases (key_id, worker_id, worker_kind, worker_version, result_id, job_id, directory_id, queue, queue_entry_id, queue_token, token, kind, attempt, order_status, turn_holder, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now() + $16 * interval '1 millisecond') RETURNING id`,
        [l.keyId, l.worker.id, l.worker.kind, l.worker.version, l.resultId, l.jobId, l.directoryId, l.queue, l.queueEntryId, l.queueToken, l.token, l.kind, l.attempt, l.orderStatus, l.turnHolder, leaseMs],
      );
      return m.getRepository(WorkerLease).findOneByOrFail({ id: row.id });
    });
  }

  /** Open leases of a key: how many it holds now. */
  openCount(keyId: string): Promise<number> {
    return this.leases.count({ where: [{ keyId, state: 'active' }, { keyId, state: 'settling' }] });
  }

  /** The lease, if this key holds it: a worker sees only what it leased. */
  find(keyId: string, id: string): Promise<WorkerLease | null> {
    return this.leases.findOneBy({ id, keyId });
  }

  /** A heartbeat: the lease lasts `leaseMs` from now, with the worker's progress and log lines. Undefined when it is no longer active. */
  async extend(l: WorkerLease, leaseMs: number, progress: string | undefined, lines: ResponseLogEntry[]): Promise<Date | undefined> {
    const [rows]: [Array<{ expires_at: Date }>, number] = await this.db.query(
      `UPDATE worker_leases SET expires_at = greatest(expires_at, now() + $3 * interval '1 millisecond'), progress = coalesce($4, progress),
              log = (SELECT coalesce(jsonb_agg(e ORDER BY n), '[]') FROM (SELECT e, n FROM jsonb_array_elements(log || $5::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n DESC LIMIT $6) kept)
        WHERE id = $1 AND token = $2 AND state = 'active' AND expires_at > now() RETURNING expires_at`,
      [l.id, l.token, leaseMs, progress ?? null, JSON.stringify(lines), MAX_LEASE_LOG],
    );
    return rows[0]?.expires_at;
  }

  /** `submitting` said yes: the worker may click until `clickBy`, and the lease lasts at least until `until`. */
  async clicked(l: WorkerLease, clickBy: Date, until: Date): Promise<Date | undefined> {
    const [rows]: [Array<{ expires_at: Date }>, number] = await this.db.query(
      `UPDATE worker_leases SET click_by = $3, expires_at = greatest(expires_at, $4) WHERE id = $1 AND token = $2 AND state = 'active' RETURNING expires_at`,
      [l.id, l.token, clickBy, until],
    );
    return rows[0]?.expires_at;
  }

  async screenshot(l: WorkerLease, path: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(`UPDATE worker_leases SET screenshot_path = $3 WHERE id = $1 AND token = $2 AND state = 'active' RETURNING id`, [l.id, l.token, path]);
    return rows.length === 1;
  }

  /** Takes the lease for settling with `report`; false when another call got there first (or it ended). */
  async settling(l: WorkerLease, report: unknown): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE worker_leases SET state = 'settling', report = $3, settling_at = now() WHERE id = $1 AND token = $2 AND state = 'active' RETURNING id`,
      [l.id, l.token, JSON.stringify(report)],
    );
    return rows.length === 1;
  }

  async settled(l: WorkerLease, answer: SettledResponse): Promise<void> {
    await this.db.query(`UPDATE worker_leases SET state = 'settled', answer = $2, ended_at = now() WHERE id = $1 AND state = 'settling'`, [l.id, JSON.stringify(answer)]);
  }

  /** Settling broke before anything was written that a retry could not redo: the report may come again. */
  async unsettle(l: WorkerLease): Promise<void> {
    await this.db.query(`UPDATE worker_leases SET state = 'active', report = NULL, settling_at = NULL WHERE id = $1 AND state = 'settling'`, [l.id]);
  }

  /**
   * Leases whose settling never finished (the API process died, or PostgreSQL went away, half-way):
   * active again after `afterMs`, so the same report can come again (every write it made is
   * fenced and repeatable) or the lease runs out like any other.
   */
  async unstick(afterMs: number): Promise<number> {
    const [, n]: [unknown[], number] = await this.db.query(
      `UPDATE worker_leases SET state = 'active', report = NULL, settling_at = NULL WHERE state = 'settling' AND settling_at < now() - $1 * interval '1 millisecond'`,
      [afterMs],
    );
    return n;
  }

  /** Ends an active lease (expired, or its key revoked); false when it was no longer active. */
  async end(id: string, state: 'expired' | 'revoked'): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(`UPDATE worker_leases SET state = $2, ended_at = now() WHERE id = $1 AND state = 'active' RETURNING id`, [id, state]);
    return rows.length === 1;
  }

  /** Active leases past their time, or whose key was revoked or expired: the sweeper ends them. */
  lapsed(): Promise<Array<WorkerLease & { revoked: boolean }>> {
    return this.db.query(
      `SELECT l.id, l.key_id AS "keyId", l.worker_id AS "workerId", l.result_id AS "resultId", l.job_id AS "jobId", l.directory_id AS "directoryId",
              l.queue, l.queue_entry_id AS "queueEntryId", l.queue_token AS "queueToken", l.token, l.attempt, l.turn_holder AS "turnHolder", l.click_by AS "clickBy",
              (k.revoked_at IS NOT NULL OR k.expires_at <= now()) AS revoked
         FROM worker_leases l JOIN api_keys k ON k.id = l.key_id
        WHERE l.state = 'active' AND (l.expires_at <= now() OR k.revoked_at IS NOT NULL OR k.expires_at <= now())
        LIMIT 500`,
    );
  }

  /** The order's status now. */
  async orderStatus(jobId: string): Promise<string> {
    const [row]: Array<{ status: string }> = await this.db.query(`SELECT status FROM jobs WHERE id = $1`, [jobId]);
    return row?.status ?? 'gone';
  }

  /** The row's status now, for the answer to a report. */
  async rowStatus(resultId: string): Promise<string> {
    const [row]: Array<{ status: string }> = await this.db.query(`SELECT status FROM job_results WHERE id = $1`, [resultId]);
    return row?.status ?? 'gone';
  }

  /** The open leases of one worker of a key, for the fleet view. */
  openOf(keyId: string, workerId: string): Promise<WorkerLease[]> {
    return this.leases.find({ where: [{ keyId, workerId, state: 'active' }, { keyId, workerId, state: 'settling' }], order: { createdAt: 'ASC' } });
  }
}
