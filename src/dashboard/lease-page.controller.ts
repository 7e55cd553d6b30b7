import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Repository } from 'typeorm';
import { Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import { isUuid } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { WorkerLease } from '../leases/worker-lease.entity';
import { Views } from './views';

/** The lines a worker sent with its report (complete or fail), kept with the lease. */
function reportedLog(report: unknown): Array<{ at: string; event: string; detail?: string }> {
  const body = report && typeof report === 'object' ? Object.values(report as Record<string, { log?: unknown }>)[0] : undefined;
  return Array.isArray(body?.log) ? body.log : [];
}

/**
 * One lease of a remote worker, as staff follow it from the fleet view: who holds it, where the
 * attempt is, and every line the worker sent while it ran. The row's own log (on the order's
 * page) holds what the worker reported at the end.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard/leases')
export class LeasePageController {
  constructor(
    @InjectRepository(WorkerLease) private readonly leases: Repository<WorkerLease>,
    private readonly views: Views,
  ) {}

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: StaffRequest, @Res() res: Response) {
    const lease = isUuid(id) ? await this.leases.findOneBy({ id }) : null;
    if (!lease) throw new ProblemException(404, `lease ${id} not found`);
    this.views.send(req, res, 'lease.njk', { title: `Lease of ${lease.directoryId}`, lease, log: [...lease.log, ...reportedLog(lease.report)] });
  }
}
