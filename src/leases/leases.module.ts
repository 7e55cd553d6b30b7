import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubmissionsModule } from '../workers/submissions.module';
import { LeaseQueue } from './lease-queue';
import { LeaseRedactor } from './lease-redactor';
import { LeaseReports } from './lease-reports';
import { LeaseStore } from './lease-store';
import { LeaseSweeper } from './lease-sweeper';
import { LeasesController } from './leases.controller';
import { LeasesService } from './leases.service';
import { RemoteFleet } from './remote-fleet';
import { WorkerLease } from './worker-lease.entity';

/**
 * Workers anywhere: the API leases submissions to workers that hold only an API key, under the
 * same rules as the fleet's own (SubmissionsModule), with no browser in the API.
 */
@Module({
  imports: [SubmissionsModule, TypeOrmModule.forFeature([WorkerLease])],
  controllers: [LeasesController],
  providers: [LeaseQueue, LeaseStore, LeasesService, LeaseReports, LeaseSweeper, RemoteFleet, LeaseRedactor],
})
export class LeasesModule {}
