import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobResult } from './job-result.entity';
import { Job } from './job.entity';

/**
 * The ledger's entities, for the modules that read or write orders (the ledger itself is plain
 * functions over the caller's transaction: see ledger.ts).
 */
@Module({ imports: [TypeOrmModule.forFeature([Job, JobResult])], exports: [TypeOrmModule] })
export class OrdersModule {}
