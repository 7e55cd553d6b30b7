import { CanActivate, Controller, ExecutionContext, Injectable, MessageEvent, Param, Post, Req, Sse, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { concatMap, from, Observable } from 'rxjs';
import { AcceptsEventToken, AuthenticatedRequest, Caller, CallerReach, CurrentCaller, EVERY_ACCOUNT, type Reach, reachOf, RequireScopes } from '../auth/caller';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { UuidPipe } from '../common/uuid.pipe';
import { EventTokens } from '../auth/event-tokens';
import { LiveHub, LiveUpdate } from '../live/live-hub.service';
import { StreamGuard, streamBound } from '../live/open-streams';
import { withPings } from '../live/sse';
import { EventTokenResponse } from './dto/job.response';
import { JobsService } from './jobs.service';

const jobId = new UuidPipe('job');

/**
 * 404 for an order the caller may not see, before the event stream starts: once it has, the
 * status is 200 and an error could only be an event.
 */
@Injectable()
class VisibleOrderGuard implements CanActivate {
  constructor(private readonly jobs: JobsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await this.jobs.get(jobId.transform(req.params.id as string), reachOf(req.caller as Caller));
    return true;
  }
}

/**
 * An order's live feed for API clients, as server-sent events: `job` (the order as GET /jobs/:id
 * shows it) and `result` (one directory's row) whenever they change, a full catch-up from
 * PostgreSQL on every (re)connect, and `ping` every 15 s. A feed ends with an `end` event {reason}
 * when its key is revoked or its access changes; a key or address with too many feeds open gets 429.
 */
@ApiTags('jobs')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('jobs:read', 'jobs:write')
@Controller('jobs')
export class JobEventsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly hub: LiveHub,
    private readonly tokens: EventTokens,
  ) {}

  /** A token for `GET /jobs/:id/events?token=…`, valid for a few minutes, for browsers' EventSource. */
  @Post(':id/events/token')
  @ApiCreatedResponse({ type: EventTokenResponse })
  @ApiProblems(404)
  async token(@Param('id', jobId) id: string, @CurrentCaller() caller: Caller, @CallerReach() reach: Reach) {
    await this.jobs.get(id, reach);
    const { token, expiresAt } = this.tokens.issue({ jobId: id, keyId: caller.keyId });
    return { token, expiresAt, url: `/api/v1/jobs/${id}/events?token=${encodeURIComponent(token)}` };
  }

  @Sse(':id/events')
  @AcceptsEventToken()
  @UseGuards(VisibleOrderGuard, StreamGuard)
  @ApiQuery({ name: 'token', required: false, description: 'From POST /jobs/{id}/events/token, instead of the Authorization header.' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'Server-sent events: `job` (a Job, as GET /jobs/{id} answers), `result` (a row as in the live feed), `ping` every 15 s, and a last `end` {reason} when the key loses access.',
    schema: { type: 'string', description: 'text/event-stream' },
  })
  @ApiProblems(404)
  events(@Param('id', jobId) id: string, @Req() req: AuthenticatedRequest): Observable<MessageEvent> {
    const updates = this.hub.updates({ jobId: id }).pipe(concatMap((u) => from(this.render(id, u))), concatMap((events) => from(events)));
    return streamBound(req)(withPings(updates));
  }

  private async render(id: string, u: LiveUpdate): Promise<MessageEvent[]> {
    // The stream's caller was allowed this order when it opened (VisibleOrderGuard).
    const job = u.type === 'job' ? u.job : await this.jobs.get(id, EVERY_ACCOUNT);
    const rows = u.type === 'job' ? u.rows : 'all';
    const changed = await this.jobs.resultSummaries(id, rows === 'all' ? undefined : rows);
    return [{ type: 'job', data: job }, ...changed.map((r): MessageEvent => ({ type: 'result', data: r }))];
  }
}
