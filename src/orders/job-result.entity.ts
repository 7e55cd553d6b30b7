import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ResponseLogEntry } from '../common/response-log';
import type { ResultStatus } from './statuses';

@Entity('job_results')
export class JobResult {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId: string;
  @Column({ name: 'directory_id' }) directoryId: string;
  /** The definition the latest attempt ran with (see `directory_revisions`). */
  @Column({ name: 'directory_revision', type: 'int', nullable: true }) directoryRevision: number | null;
  @Column({ type: 'text' }) status: ResultStatus;
  @Column() attempts: number;
  /** Bumped whenever the row is queued anew; part of its BullMQ job id, so stale queue entries are recognisable. */
  @Column() generation: number;
  @Column({ name: 'attempt_token', type: 'uuid', nullable: true }) attemptToken: string | null;
  @Column({ name: 'response_log', type: 'jsonb' }) responseLog: ResponseLogEntry[];
  @Column({ name: 'screenshot_path', type: 'text', nullable: true }) screenshotPath: string | null;
  @Column({ name: 'error_message', type: 'text', nullable: true }) errorMessage: string | null;
  /** The directory's confirmation/reference number for the accepted listing, when its definition captures one. */
  @Column({ type: 'text', nullable: true }) reference: string | null;
  @Column({ name: 'duration_ms', type: 'int', nullable: true }) durationMs: number | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true }) submittedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
