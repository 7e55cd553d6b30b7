import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { JobActionsService } from './job-actions.service';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({
  imports: [DispatchModule],
  controllers: [JobsController],
  providers: [JobsService, JobActionsService],
})
export class JobsModule {}
