import { Module } from '@nestjs/common';
import { AuditApiModule } from './audit-api/audit-api.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { CustomersModule } from './customers/customers.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule, DatabaseWatchdogModule } from './database/database.module';
import { DirectoriesModule } from './directories/directories.module';
import { HealthModule } from './health/health.module';
import { MetricsApiModule, MetricsModule } from './metrics/metrics.module';
import { EvidenceModule } from './evidence/evidence.module';
import { JobsModule } from './jobs/jobs.module';
import { LeasesModule } from './leases/leases.module';
import { LoggingModule } from './logging/logging.module';
import { LiveFeedModule, LiveModule } from './live/live.module';
import { ProblemsModule } from './problems/problems.module';
import { QueueModule } from './queue/queue.module';
import { MaintenanceModule } from './maintenance/maintenance.module';

/** The API process: REST, staff tools, the PostgreSQL → Redis relay, and leases to remote workers (it runs no submission itself). */
@Module({
  imports: [ConfigModule, LoggingModule, MetricsModule, EvidenceModule, MetricsApiModule, DatabaseModule, DatabaseWatchdogModule, QueueModule.forRole('producer'), LiveModule, LiveFeedModule, AuditModule, AuditApiModule, AuthModule, CustomersModule, DirectoriesModule, JobsModule, LeasesModule, DashboardModule, HealthModule, ProblemsModule, MaintenanceModule],
})
export class AppModule {}
