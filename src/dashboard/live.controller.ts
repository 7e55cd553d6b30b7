import { Controller, MessageEvent, Query, Req, Sse, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { distinctUntilChanged, from, interval, map, Observable, switchMap } from 'rxjs';
import type { Request } from 'express';
import { Public } from '../auth/caller';
import { isUuid } from '../common/ids';
import { isGone } from '../live/fleet';
import { HEARTBEAT_MS } from '../live/live.constants';
import { withPings } from '../live/sse';
import { LiveHub } from '../live/live-hub.service';
import { orderBadge } from './order-badge';
import { StreamGuard, streamBound } from '../live/open-streams';
import { OverviewQuery } from './overview.query';

/**
 * The dashboard's live feed (server-sent events, staff session only). Events name what changed;
 * the page reads the new state itself (progress as JSON, rows and panels as server-rendered HTML):
 * - `job` {id, status, outcome, badge, progress, rows}: an order changed (badge: what its status
 *   badge says, see order-badge.ts; rows: its changed row ids, or "all");
 * - `resync`: on every (re)connect and after the API lost Redis: read everything shown again;
 * - `fleet` (with `?fleet=1`): the worker fleet changed;
 * - `ping` every 15 s, so proxies keep the stream open;
 * - `end` {reason}, last: the staff member was disabled or signed out.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class LiveController {
  constructor(
    private readonly hub: LiveHub,
    private readonly overview: OverviewQuery,
  ) {}

  @Sse('live')
  @UseGuards(StreamGuard)
  live(@Req() req: Request, @Query('job') job?: string, @Query('fleet') fleet?: string): Observable<MessageEvent> {
    const bounded = streamBound(req);
    const jobId = isUuid(job) ? job.toLowerCase() : undefined;
    const updates = this.hub.updates({ jobId }).pipe(
      map((u): MessageEvent =>
        u.type === 'resync'
          ? { type: 'resync', data: {} }
          : { type: 'job', data: { id: u.job.id, status: u.job.status, outcome: u.job.outcome, badge: orderBadge(u.job), priority: u.job.priority, progress: u.job.progress, rows: u.rows } },
      ),
    );
    if (fleet !== '1') return bounded(withPings(updates));
    // What the fleet panel shows, apart from the ticking clocks: workers, gone or not, busy rows.
    // Read from the heartbeats alone; the page asks for names when it redraws.
    const fleetChanges = interval(HEARTBEAT_MS).pipe(
      switchMap(() => from(this.overview.beats())),
      map((beats) => beats.map((b) => `${b.id}:${isGone(b)}:${b.slots.map((s) => s.resultId).join(',')}`).join('|')),
      distinctUntilChanged(),
      map((): MessageEvent => ({ type: 'fleet', data: {} })),
    );
    return bounded(withPings(updates, fleetChanges));
  }
}
