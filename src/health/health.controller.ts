import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Public } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import { SUBMISSION_QUEUE } from '../queue/queue.constants';
import { HealthResponse } from './health.response';

/** Readiness: 200 when PostgreSQL and Redis both answer, 503 naming the one that does not. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(SUBMISSION_QUEUE) private readonly queue: Queue,
  ) {}

  @Get()
  @ApiOkResponse({ type: HealthResponse })
  async check() {
    const [postgres, redis] = await Promise.all([
      this.db.query('SELECT 1').then(() => 'up', () => 'down'),
      // Any round trip will do; producers fail fast when Redis is away.
      this.queue.getJobCountByTypes('wait').then(() => 'up', () => 'down'),
    ]);
    if (postgres !== 'up' || redis !== 'up') throw new ProblemException(503, `postgres is ${postgres}, redis is ${redis}`);
    return { status: 'ok', postgres, redis };
  }
}
