import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { JobsModule } from '../jobs/jobs.module';
import { RetentionModule } from '../retention/retention.module';
import { MaintenanceService } from './maintenance.service';

/** The maintenance queue's consumer and schedule, in the API processes. */
@Module({ imports: [RetentionModule, DispatchModule, JobsModule], providers: [MaintenanceService] })
export class MaintenanceModule {}
