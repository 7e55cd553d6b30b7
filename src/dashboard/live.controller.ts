import { Controller, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { catchError, distinctUntilChanged, EMPTY, from, interval, map, merge, Observable, switchMap } from 'rxjs';
import { Public } from '../auth/caller';
import { isUuid } from '../common/ids';
import { HEARTBEAT_MS } from '../live/live.constants';
import { LiveHub } from '../live/live-hub.service';
import { OverviewQuery } from './overview.query';

const KEEPALIVE_MS = 15_000;

/**
 * The dashboard's live feed (server-sent events, staff session only). Events name what changed;
 * the page reads the new state itself (progress as JSON, rows and panels as server-rendered HTML):
 * - `job` {id, status, progress, rows}: an order changed (rows: its changed row ids, or "all");
 * - `resync`: on every (re)connect and after the API lost Redis: read everything shown again;
 * - `fleet` (with `?fleet=1`): the worker fleet changed;
 * - `ping` every 15 s, so proxies keep the stream open.
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
  live(@Query('job') job?: string, @Query('fleet') fleet?: string): Observable<MessageEvent> {
    const jobId = isUuid(job) ? job.toLowerCase() : undefined;
    const updates = this.hub.updates({ jobId }).pipe(
      map((u): MessageEvent =>
        u.type === 'resync' ? { type: 'resync', data: {} } : { type: 'job', data: { id: u.job.id, status: u.job.status, priority: u.job.priority, progress: u.job.progress, rows: u.rows } },
      ),
    );
    const pings = interval(KEEPALIVE_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: '' })));
    if (fleet !== '1') return merge(updates, pings);
    // What the fleet panel shows, apart from the ticking clocks: workers, gone or not, busy rows.
    const fleetChanges = interval(HEARTBEAT_MS).pipe(
      switchMap(() => from(this.overview.fleet()).pipe(catchError(() => EMPTY))),
      map((workers) => workers.map((w) => `${w.id}:${w.gone}:${w.slots.map((s) => s.resultId).join(',')}`).join('|')),
      distinctUntilChanged(),
      map((): MessageEvent => ({ type: 'fleet', data: {} })),
    );
    return merge(updates, pings, fleetChanges);
  }
}
