import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { SCRAPE_REFUSED, scrapeAccess } from './metrics-access';
import { Metrics } from './metrics';

/** Prometheus's scrape of the API process, at `/metrics` (outside /api/v1, as scrapers expect). */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    const access = scrapeAccess(authorization, this.config);
    if (access !== 'ok') throw new ProblemException(SCRAPE_REFUSED[access].status, SCRAPE_REFUSED[access].detail);
    const text = await this.metrics.registry.metrics();
    res.setHeader('content-type', this.metrics.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.end(text);
  }
}
