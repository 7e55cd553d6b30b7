import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import { OverviewQuery } from './overview.query';
import { Views } from './views';

/** The overview: orders by status, the last hour, queue depth, the worker fleet, troubled directories. */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class OverviewController {
  constructor(
    private readonly overview: OverviewQuery,
    private readonly views: Views,
  ) {}

  @Get()
  async page(@Req() req: StaffRequest, @Res() res: Response) {
    this.views.send(req, res, 'overview.njk', { title: 'Overview', ...(await this.overview.read()) });
  }

  /** The page's live part alone, which the page fetches again when orders or workers change. */
  @Get('overview/live')
  async live(@Req() req: StaffRequest, @Res() res: Response) {
    this.views.fragment(req, res, 'overview-live.njk', await this.overview.read());
  }
}
