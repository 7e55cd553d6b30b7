import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import { isUuid } from '../common/ids';
import { Views } from './views';

/** The audit log: who did what to which order, from where. Filters by actor, action or order. */
@ApiExcludeController()
@Public()
@Controller('dashboard/audit')
export class AuditPageController {
  constructor(
    private readonly audit: AuditService,
    private readonly views: Views,
  ) {}

  @Get()
  async list(@Req() req: StaffRequest, @Res() res: Response, @Query() q: Record<string, unknown>) {
    const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 320) : undefined);
    const jobId = text(q.order);
    const filters = {
      actor: text(q.actor),
      action: text(q.action),
      jobId: isUuid(jobId) ? jobId : undefined,
      cursor: text(q.cursor),
    };
    let page;
    try {
      page = await this.audit.list({ ...filters, limit: 100 });
    } catch {
      page = await this.audit.list({ ...filters, cursor: undefined, limit: 100 }); // a stale cursor: first page
    }
    this.views.send(req, res, 'audit.njk', { title: 'Audit log', filters, page });
  }
}
