import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Caller, CallerReach, CurrentCaller, type Reach, RequireScopes } from '../auth/caller';
import type { Request, Response } from 'express';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { ProblemException } from '../common/problem.filter';
import { UuidPipe } from '../common/uuid.pipe';
import { sendEvidence } from '../evidence/screenshots';
import { CreateJobDto } from './dto/create-job.dto';
import { JobPage, JobResponse, JobResultList } from './dto/job.response';
import { ListJobsDto } from './dto/list-jobs.dto';
import { JobActionsService } from './job-actions.service';
import { JobsService } from './jobs.service';
import { ORDER_ACTIONS, type OrderAction } from '../orders/transitions';

const jobId = new UuidPipe('job');

@ApiTags('jobs')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('jobs:read', 'jobs:write')
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly actions: JobActionsService,
    private readonly audit: AuditService,
  ) {}

  /** 201 with the new order; a replay of an Idempotency-Key gets the first response again. */
  @Post()
  @RequireScopes('jobs:write')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body: same order, nothing new created. 1-255 visible ASCII characters.', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$', maxLength: 255 } })
  @ApiCreatedResponse({
    type: JobResponse,
    description: 'The new order, or (with an Idempotency-Key used before with the same body) the first answer again.',
    headers: { 'Idempotent-Replayed': { description: '`true` when this is the first answer again.', schema: { type: 'string', enum: ['true'] } } },
  })
  @ApiProblems(404, 409, 413, 415, 422)
  async create(
    @Body() dto: CreateJobDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @CurrentCaller() caller: Caller,
  ) {
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ProblemException(400, 'Idempotency-Key must be 1-255 visible ASCII characters', [
        { field: 'Idempotency-Key', messages: ['use 1-255 visible ASCII characters, e.g. a UUID'] },
      ]);
    }
    const { status, body, replayed } = await this.jobs.create(dto, caller, { idempotencyKey: key, requestId: String(res.req.id) });
    res.status(status);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return body;
  }

  @Get()
  @ApiOkResponse({ type: JobPage })
  list(@Query() q: ListJobsDto, @CallerReach() reach: Reach) {
    return this.jobs.list(q, reach);
  }

  @Get(':id')
  @ApiOkResponse({ type: JobResponse })
  @ApiProblems(404)
  get(@Param('id', jobId) id: string, @CallerReach() reach: Reach) {
    return this.jobs.get(id, reach);
  }

  @Get(':id/results')
  @ApiOkResponse({ type: JobResultList })
  @ApiProblems(404)
  results(@Param('id', jobId) id: string, @CallerReach() reach: Reach) {
    return this.jobs.results(id, reach);
  }

  /** The page of one directory after its latest attempt (a result's `screenshotUrl`). */
  @Get(':id/results/:directory/screenshot')
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'The screenshot, as image/png.', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(404)
  async screenshot(@Param('id', jobId) id: string, @Param('directory') directory: string, @CallerReach() reach: Reach, @Res() res: Response) {
    sendEvidence(res.req, res, await this.jobs.screenshot(id, directory, reach));
  }

  @Post(':id/:action')
  @RequireScopes('jobs:write')
  @HttpCode(200)
  @ApiParam({ name: 'action', enum: ORDER_ACTIONS })
  @ApiOkResponse({ type: JobResponse, description: 'The order after the action.' })
  @ApiProblems(404, 409)
  async act(@Param('id', jobId) id: string, @Param('action') action: string, @CurrentCaller() caller: Caller, @CallerReach() reach: Reach, @Req() req: Request) {
    if (!(ORDER_ACTIONS as readonly string[]).includes(action)) {
      throw new ProblemException(404, `unknown action ${action}; use one of ${ORDER_ACTIONS.join(', ')}`);
    }
    const job = await this.actions.act(id, action as OrderAction, reach);
    await this.audit.record({ actorType: 'api_key', actorId: caller.keyId, actor: caller.name, action: `job.${action}`, jobId: id, ip: req.ip });
    return job;
  }
}
