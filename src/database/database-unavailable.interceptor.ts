import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, race, take, throwError, mergeMap } from 'rxjs';
import { DatabaseWatchdog, databaseUnavailable as unavailable } from './database-watchdog';

/**
 * While PostgreSQL is known to be away, requests get 503 with Retry-After at once; requests in
 * flight when it goes away get theirs as soon as the watchdog notices. Their queries may still
 * complete later, which is why creating an order takes an Idempotency-Key to retry with.
 */
@Injectable()
export class DatabaseUnavailableInterceptor implements NestInterceptor {
  constructor(private readonly watchdog: DatabaseWatchdog) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.watchdog.available) return throwError(unavailable);
    return race(next.handle(), this.watchdog.lost.pipe(take(1), mergeMap(() => throwError(unavailable))));
  }
}
