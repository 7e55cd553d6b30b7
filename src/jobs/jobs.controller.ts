import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ProblemException } from '../common/problem.filter';
import { UuidPipe } from '../common/uuid.pipe';
import { CreateJobDto } from './dto/create-job.dto';
import { ListJobsDto } from './dto/list-jobs.dto';
import { JOB_ACTIONS, JobAction, JobActionsService } from './job-actions.service';
import { JobsService } from './jobs.service';

const jobId = new UuidPipe('job');

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly actions: JobActionsService,
  ) {}

  /** 201 with the new order; a replay of an Idempotency-Key gets the first response again. */
  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body: same order, nothing new created.' })
  async create(@Body() dto: CreateJobDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ProblemException(400, 'Idempotency-Key must be 1-255 visible ASCII characters', [
        { field: 'Idempotency-Key', messages: ['use 1-255 visible ASCII characters, e.g. a UUID'] },
      ]);
    }
    const { status, body, replayed } = await this.jobs.create(dto, key);
    res.status(status);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return body;
  }

  @Get()
  list(@Query() q: ListJobsDto) {
    return this.jobs.list(q);
  }

  @Get(':id')
  get(@Param('id', jobId) id: string) {
    return this.jobs.get(id);
  }

  @Get(':id/results')
  results(@Param('id', jobId) id: string) {
    return this.jobs.results(id);
  }

  @Post(':id/:action')
  @HttpCode(200)
  @ApiParam({ name: 'action', enum: JOB_ACTIONS })
  act(@Param('id', jobId) id: string, @Param('action') action: string) {
    if (!(JOB_ACTIONS as readonly string[]).includes(action)) {
      throw new ProblemException(404, `unknown action ${action}; use one of ${JOB_ACTIONS.join(', ')}`);
    }
    return this.actions.act(id, action as JobAction);
  }
}
