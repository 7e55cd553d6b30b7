import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CustomersModule } from '../customers/customers.module';
import { DirectoriesModule } from '../directories/directories.module';
import { JobsModule } from '../jobs/jobs.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkerLease } from '../leases/worker-lease.entity';
import { AuditPageController } from './audit-page.controller';
import { LeasePageController } from './lease-page.controller';
import { DirectoriesQuery } from './directories.query';
import { DirectoryPagesController } from './directory-pages.controller';
import { DirectoryToolsController } from './directory-tools.controller';
import { DirectoryTools } from './directory-tools.service';
import { LiveController } from './live.controller';
import { NewOrderController } from './new-order.controller';
import { OrderDetailQuery } from './order-detail.query';
import { OrdersController } from './orders.controller';
import { OrdersQuery } from './orders.query';
import { OverviewController } from './overview.controller';
import { OverviewQuery } from './overview.query';
import { ReviewController } from './review.controller';
import { DashboardTemplates } from './templates';
import { Views } from './views';
import { OrdersModule } from '../orders/orders.module';

/**
 * The staff dashboard under /dashboard: server-rendered pages over the same services the API uses,
 * with live updates. Staff sessions and CSRF checks are mounted in front of it (http-app.ts).
 */
@Module({
  imports: [AuthModule, OrdersModule, JobsModule, CustomersModule, DirectoriesModule, TypeOrmModule.forFeature([WorkerLease])],
  controllers: [OverviewController, LiveController, OrdersController, ReviewController, NewOrderController, AuditPageController, DirectoryPagesController, DirectoryToolsController, LeasePageController],
  providers: [DashboardTemplates, Views, OrdersQuery, OrderDetailQuery, OverviewQuery, DirectoriesQuery, DirectoryTools],
})
export class DashboardModule {}
