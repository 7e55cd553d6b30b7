import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import { ReviewService } from '../jobs/review.service';
import { REVIEW_DECISIONS, type ReviewDecision } from '../orders/review';
import { expected, redirectWith, staffActor } from './staff-action';
import { Views } from './views';

const DECIDED: Record<ReviewDecision, string> = { submitted: 'marked submitted', failed: 'marked failed', resubmit: 'queued to be submitted again' };

/**
 * Needs review: results whose outcome a crash left unknown (the worker may have clicked submit,
 * and the directory cannot say whether the listing arrived). Staff check the directory and decide.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard/review')
export class ReviewController {
  constructor(
    private readonly review: ReviewService,
    private readonly audit: AuditService,
    private readonly views: Views,
  ) {}

  @Get()
  async list(@Req() req: StaffRequest, @Res() res: Response) {
    this.views.send(req, res, 'review.njk', { title: 'Needs review', rows: await this.review.awaiting(), decisions: REVIEW_DECISIONS });
  }

  @Post(':id')
  async decide(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const decision = body.decision as ReviewDecision;
    if (!REVIEW_DECISIONS.includes(decision)) return redirectWith(req, res, '/dashboard/review', 'error', `Choose one of: ${REVIEW_DECISIONS.join(', ')}.`);
    try {
      const { jobId } = await this.review.decide(id, decision, req.staff?.email ?? 'staff');
      await this.audit.record({ ...staffActor(req), action: `result.review.${decision}`, jobId, detail: { resultId: id } });
      await redirectWith(req, res, '/dashboard/review', 'notice', `Result ${id} ${DECIDED[decision]}.`);
    } catch (err) {
      await redirectWith(req, res, '/dashboard/review', 'error', expected(err));
    }
  }
}
