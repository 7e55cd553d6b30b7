import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { DispatchModule } from '../dispatch/dispatch.module';
import { JobActionsService } from './job-actions.service';
import { JobEventsController } from './job-events.controller';
import { JobsController } from './jobs.controller';
import { JobResult } from '../results/job-result.entity';
import { Job } from './job.entity';
import { ReviewService } from '../results/review.service';
import { JobsService } from './jobs.service';

@Module({
  imports: [TypeOrmModule.forFeature([Job, JobResult]), AuthModule, DispatchModule],
  controllers: [JobEventsController, JobsController],
  providers: [JobsService, JobActionsService, ReviewService],
  exports: [JobsService, JobActionsService, ReviewService],
})
export class JobsModule {}
