import { Module } from '@nestjs/common';
import { LoggingModule } from './logging/logging.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { QueueModule } from './queue/queue.module';
import { LiveModule } from './live/live.module';
import { WorkersModule } from './workers/workers.module';
import { MetricsModule } from './metrics/metrics.module';
import { EvidenceModule } from './evidence/evidence.module';

/** The worker process: the same config, database and queue modules, plus the processors. */
@Module({
  imports: [ConfigModule, LoggingModule, MetricsModule, EvidenceModule, DatabaseModule, QueueModule.forRole('worker'), LiveModule, WorkersModule],
})
export class WorkerModule {}
