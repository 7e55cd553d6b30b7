import type { MessageEvent } from '@nestjs/common';
import { interval, map, merge, Observable } from 'rxjs';

/** A quiet stream still sends this often, so proxies and load balancers keep it open. */
export const KEEPALIVE_MS = 15_000;

/** `events` plus a `ping` every KEEPALIVE_MS. */
export function withPings(...events: Array<Observable<MessageEvent>>): Observable<MessageEvent> {
  return merge(...events, interval(KEEPALIVE_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: '' }))));
}
