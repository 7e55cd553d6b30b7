import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AdapterDefinition } from './definition/adapter.schema';

@Entity('directories')
export class Directory {
  /** The slug; API clients name directories by it. */
  @PrimaryColumn() id: string;
  @Column() name: string;
  /** The current revision's form page and adapter (a copy of its `directory_revisions` row). */
  @Column({ name: 'submit_url' }) submitUrl: string;
  @Column({ type: 'jsonb' }) adapter: AdapterDefinition;
  /** Goes up by one with every change of the submit URL or the adapter. */
  @Column() revision: number;
  @Column() enabled: boolean;
  /** Packages take the first N enabled directories in this order. */
  @Column() position: number;
  /** Attempts in a row that found a target of the adapter missing; any working attempt resets it. */
  @Column({ name: 'target_misses' }) targetMisses: number;
  /** Set when targetMisses reached DIRECTORY_PAUSE_AFTER: its rows wait until staff resume it. */
  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true }) pausedAt: Date | null;
  @Column({ name: 'paused_reason', type: 'text', nullable: true }) pausedReason: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** One definition a directory had; results name the revision their attempt ran with. */
@Entity('directory_revisions')
export class DirectoryRevision {
  @PrimaryColumn({ name: 'directory_id' }) directoryId: string;
  @PrimaryColumn() revision: number;
  @Column({ name: 'submit_url' }) submitUrl: string;
  @Column({ type: 'jsonb' }) adapter: AdapterDefinition;
  /** Who made it: a staff member's email, an API key's name, or `import`/`migration`. */
  @Column({ name: 'created_by' }) createdBy: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
