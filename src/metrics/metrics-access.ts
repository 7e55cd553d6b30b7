import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from './metrics';

/**
 * Whether a scrape may read the metrics: always when METRICS_TOKEN is unset (keep /metrics off
 * the public network then), else only with `Authorization: Bearer <METRICS_TOKEN>` (Prometheus's
 * `authorization` setting of a scrape job).
 */
export function mayScrape(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Times every API request into `boltline_http_request_duration_seconds`, labelled with the route
 * that answered it (its pattern: `/api/v1/jobs/:id`, never an id), or `unmatched`. Event streams
 * are left out: their duration is how long a client watched.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
