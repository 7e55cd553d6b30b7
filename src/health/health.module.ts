import { Module } from '@nestjs/common';
import { HealthChecksModule } from './health-checks.module';
import { HealthController } from './health.controller';

/** The API's liveness and readiness routes. */
@Module({ imports: [HealthChecksModule], controllers: [HealthController] })
export class HealthModule {}
