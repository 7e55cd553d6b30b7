import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('customers')
export class Customer {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'business_name' }) businessName: string;
  @Column() email: string;
  @Column() phone: string;
  @Column() website: string;
  @Column() address: string;
  @Column() city: string;
  @Column() state: string;
  @Column() zip: string;
  @Column() country: string;
  @Column() category: string;
  @Column() description: string;
  /** The account whose API keys see this customer; null for customers made with an admin key. */
  @Column({ name: 'account_id', type: 'uuid', nullable: true }) accountId: string | null;
  /** The logo's file, relative to ARTIFACT_DIR (logos/<id>.<ext>); null: no logo. See customer-logo.ts. */
  @Column({ name: 'logo_path', type: 'text', nullable: true }) logoPath: string | null;
  @Column({ name: 'logo_type', type: 'text', nullable: true }) logoType: string | null;
  @Column({ name: 'logo_bytes', type: 'integer', nullable: true }) logoBytes: number | null;
  @Column({ name: 'logo_sha256', type: 'text', nullable: true }) logoSha256: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
