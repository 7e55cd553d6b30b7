import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DispatchModule } from '../dispatch/dispatch.module';
import { OrdersModule } from '../orders/orders.module';
import { JobActionsService } from './job-actions.service';
import { JobEventsController } from './job-events.controller';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { ReviewService } from './review.service';

@Module({
  imports: [OrdersModule, AuthModule, DispatchModule],
  controllers: [JobEventsController, JobsController],
  providers: [JobsService, JobActionsService, ReviewService],
  exports: [JobsService, JobActionsService, ReviewService],
})
export class JobsModule {}
