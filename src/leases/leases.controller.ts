import { Body, Controller, Headers, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Caller, CurrentCaller, RequireScopes } from '../auth/caller';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { ProblemException } from '../common/problem.filter';
import { isUuid } from '../common/ids';
import { UuidPipe } from '../common/uuid.pipe';
import { CompleteDto, FailDto, HeartbeatDto, LeaseRequestDto, SubmittingDto } from './dto/lease.dto';
import { HeartbeatAnswer, LeaseList, SettledAnswer, SubmittingAnswer } from './dto/lease.response';
import { LeaseReports } from './lease-reports';
import { LeasesService } from './leases.service';
import { LEASE_TOKEN_HEADER, WORKER_API_PATH } from './protocol';
import { isPng } from './screenshot-body';

const leaseId = new UuidPipe('lease');

/**
 * The lease protocol for workers that hold only an API key (docs/worker-protocol.md). Keys with
 * the `worker` scope only; a worker sees and changes only the leases it holds.
 */
@ApiTags('worker')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('worker')
@Controller(`${WORKER_API_PATH}/leases`)
export class LeasesController {
  constructor(
    private readonly leases: LeasesService,
    private readonly reports: LeaseReports,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Lease up to max pending submissions (204 when there are none)' })
  @ApiOkResponse({ type: LeaseList })
  @ApiNoContentResponse({ description: 'Nothing to do now; ask again later.' })
  @ApiProblems(429)
  async lease(@Body() body: LeaseRequestDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: Response) {
    const leases = await this.leases.lease(caller, body);
    if (!leases.length) {
      res.status(204);
      return undefined;
    }
    res.status(200);
    return { leases };
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  @ApiOperation({ summary: 'Extend a lease, with progress and log lines' })
  @ApiOkResponse({ type: HeartbeatAnswer })
  @ApiProblems(404, 409)
  heartbeat(@Param('id', leaseId) id: string, @Body() body: HeartbeatDto, @CurrentCaller() caller: Caller) {
    return this.leases.heartbeat(caller, id, body);
  }

  @Post(':id/submitting')
  @HttpCode(200)
  @ApiOperation({ summary: 'Right before the irreversible click: may it happen, and until when' })
  @ApiOkResponse({ type: SubmittingAnswer })
  @ApiProblems(404, 409)
  submitting(@Param('id', leaseId) id: string, @Body() body: SubmittingDto, @CurrentCaller() caller: Caller) {
    return this.leases.submitting(caller, id, body);
  }

  @Put(':id/screenshot')
  @HttpCode(204)
  @ApiOperation({ summary: 'The page as it looked at the end (PNG), before complete or fail' })
  @ApiConsumes('image/png')
  @ApiHeader({ name: LEASE_TOKEN_HEADER, required: true, description: "The lease's token (a header: request logs keep URLs).", schema: { type: 'string', format: 'uuid' } })
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiNoContentResponse({ description: 'Kept with the attempt.' })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  async screenshot(@Param('id', leaseId) id: string, @Headers(LEASE_TOKEN_HEADER) token: string | undefined, @Req() req: Request, @CurrentCaller() caller: Caller) {
    if (typeof token !== 'string' || !isUuid(token)) throw new ProblemException(400, "Invalid request: token must be the lease's token (a UUID)", [{ field: LEASE_TOKEN_HEADER, messages: [`send the lease's token in the ${LEASE_TOKEN_HEADER} header`] }]);
    // screenshotBody (screenshot-body.ts) read the bytes and refused any other Content-Type.
    if (!isPng(req.body)) throw new ProblemException('unprocessable', 'The body is not a PNG image (its first bytes are not the PNG signature).');
    await this.reports.screenshot(caller, id, token, req.body);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: "The directory's answer (submit lease) or whether it lists the business (verify lease)" })
  @ApiOkResponse({ type: SettledAnswer })
  @ApiProblems(404, 409)
  complete(@Param('id', leaseId) id: string, @Body() body: CompleteDto, @CurrentCaller() caller: Caller) {
    return this.reports.complete(caller, id, body);
  }

  @Post(':id/fail')
  @HttpCode(200)
  @ApiOperation({ summary: 'The attempt broke before the directory answered' })
  @ApiOkResponse({ type: SettledAnswer })
  @ApiProblems(404, 409)
  fail(@Param('id', leaseId) id: string, @Body() body: FailDto, @CurrentCaller() caller: Caller) {
    return this.reports.fail(caller, id, body);
  }
}
