import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ResponseLogEntry } from '../common/response-log';
import type { SubmissionQueueName } from '../queue/queue.constants';
import type { SettledResponse, WorkerKind } from './protocol';

export type LeaseState = 'active' | 'settling' | 'settled' | 'expired' | 'revoked';

/** One submission leased to a worker that holds only an API key (see docs/worker-protocol.md). */
@Entity('worker_leases')
export class WorkerLease {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'key_id' }) keyId: string;
  @Column({ name: 'worker_id' }) workerId: string;
  @Column({ name: 'worker_kind', type: 'text' }) workerKind: WorkerKind;
  @Column({ name: 'worker_version' }) workerVersion: string;
  @Column({ name: 'result_id', type: 'bigint' }) resultId: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId: string;
  @Column({ name: 'directory_id' }) directoryId: string;
  /** The BullMQ queue, entry and lock token: the queue side of the lease. */
  @Column({ type: 'text' }) queue: SubmissionQueueName;
  @Column({ name: 'queue_entry_id' }) queueEntryId: string;
  @Column({ name: 'queue_token', type: 'uuid' }) queueToken: string;
  /** The row's attempt token: fences every write to job_results, and is the token the worker holds. */
  @Column({ type: 'uuid' }) token: string;
  @Column({ type: 'text' }) kind: 'submit' | 'verify';
  @Column() attempt: number;
  /** The order's status when the row was claimed (a verify settles a stopped order's row). */
  @Column({ name: 'order_status' }) orderStatus: string;
  /** The directory turn this lease holds (DirectoryTurns), renewed by heartbeats. */
  @Column({ name: 'turn_holder' }) turnHolder: string;
  @Column({ type: 'text' }) state: LeaseState;
  @Column({ type: 'text', nullable: true }) progress: string | null;
  /** What the worker said while it ran (heartbeats), for staff watching it. */
  @Column({ type: 'jsonb' }) log: ResponseLogEntry[];
  /** Set by `submitting`: the worker may have clicked from then on. */
  @Column({ name: 'click_by', type: 'timestamptz', nullable: true }) clickBy: Date | null;
  @Column({ name: 'screenshot_path', type: 'text', nullable: true }) screenshotPath: string | null;
  /** The report that settled the lease and what it was answered, for a repeated report. */
  @Column({ type: 'jsonb', nullable: true }) report: unknown;
  @Column({ type: 'jsonb', nullable: true }) answer: SettledResponse | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt: Date | null;
}
