import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import { HealthChecks } from './health-checks';
import { LegacyHealthResponse, LiveResponse, ReadyResponse } from './health.response';

/**
 * Liveness (the process answers: restart it when it does not) and readiness (it can serve: route
 * requests to it only then). No key needed, so probes need no secret.
 */
@ApiTags('health')
@Public()
// Probes are not rate-limited: they come every few seconds, and must be answered even when the
// limiter's Redis is the thing that is down.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly checks: HealthChecks) {}

  @Get('live')
  @ApiOperation({ summary: 'The process answers; it checks nothing else' })
  @ApiOkResponse({ type: LiveResponse })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL and Redis answer; else 503 whose detail names each check: "postgres is up, redis is down (…)"' })
  @ApiOkResponse({ type: ReadyResponse })
  ready() {
    return this.readiness();
  }

  /** The readiness check under its first address and in its first shape, kept for monitors set up before /health/ready. */
  @Get()
  @ApiOperation({ summary: 'As /health/ready, in the shape it had before: `{ status, postgres, redis }`', deprecated: true })
  @ApiOkResponse({ type: LegacyHealthResponse })
  async legacy() {
    await this.readiness();
    return { status: 'ok', postgres: 'up', redis: 'up' };
  }

  private async readiness() {
    const readiness = await this.checks.readiness();
    if (!readiness.ready) throw new ProblemException(503, readiness.detail);
    return readiness.result;
  }
}
