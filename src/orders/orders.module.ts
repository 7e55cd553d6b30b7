import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobResult } from './job-result.entity';
import { Job } from './job.entity';

/**
 * The ledger's entities, for the modules that read or write orders (the ledger itself is plain
 * functions over the caller's transaction: see ledger.ts). Import it wherever Job or JobResult
 * is read through TypeORM, even with no repository injected: with `autoLoadEntities` a process
 * knows the entities named in `forFeature` by some module file it loads, and one that loads none
 * fails at run time with "No metadata for Job" (test/entities.test.ts holds the API and the worker to it).
 */
@Module({ imports: [TypeOrmModule.forFeature([Job, JobResult])], exports: [TypeOrmModule] })
export class OrdersModule {}
