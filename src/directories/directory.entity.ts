import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AdapterDefinition } from './adapters/adapter-definition';

@Entity('directories')
export class Directory {
  /** The slug; API clients name directories by it. */
  @PrimaryColumn() id: string;
  @Column() name: string;
  @Column({ name: 'submit_url' }) submitUrl: string;
  @Column({ type: 'jsonb' }) adapter: AdapterDefinition;
  @Column() enabled: boolean;
  /** Packages take the first N enabled directories in this order. */
  @Column() position: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
