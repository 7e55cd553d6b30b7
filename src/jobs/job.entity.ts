import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { JobStatus } from './job-status';

@Entity('jobs')
export class Job {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column() type: string;
  @Column({ name: 'customer_id', type: 'uuid' }) customerId: string;
  @Column({ name: 'package_size', type: 'int', nullable: true }) packageSize: number | null;
  /** 1 is the most urgent, 4 the least. */
  @Column({ type: 'smallint' }) priority: number;
  @Column({ type: 'text' }) status: JobStatus;
  @Column() total: number;
  @Column() submitted: number;
  @Column() failed: number;
  @Column() cancelled: number;
  /** Directories whose outcome a crash left unknown; staff decide. */
  @Column({ name: 'needs_review' }) needsReview: number;
  /** Directories whose page reached outside the catalogue (`blocked_by_policy`); final, like failed. */
  @Column() blocked: number;
  /** How many times the order was run: 1, plus one per staff retry. */
  @Column() attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'idempotency_key', type: 'text', nullable: true }) idempotencyKey: string | null;
  @Column({ type: 'jsonb' }) metadata: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
