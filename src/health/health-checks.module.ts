import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthChecks } from './health-checks';

/**
 * Readiness checks shared by the API and the workers. Terminus's own error log is off: the API's
 * access line of a 503 and the worker's health server each say it once, at `warn`.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [HealthChecks],
  exports: [HealthChecks],
})
export class HealthChecksModule {}
