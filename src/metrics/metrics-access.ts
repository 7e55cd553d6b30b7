import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../config/config.schema';
import type { Metrics } from './metrics';

/**
 * Whether a scrape may read the metrics: with METRICS_TOKEN set, only with `Authorization: Bearer
 * <METRICS_TOKEN>` (Prometheus's `authorization` setting of a scrape job); without it, anyone in
 * development and test (keep /metrics off the public network), and no one with
 * NODE_ENV=production ('off': a production process does not show its insides unasked).
 */
export function scrapeAccess(authorization: string | undefined, config: Pick<AppConfig, 'METRICS_TOKEN' | 'NODE_ENV'>): 'ok' | 'unauthorized' | 'off' {
  const token = config.METRICS_TOKEN;
  if (!token) return config.NODE_ENV === 'production' ? 'off' : 'ok';
  const given = Buffer.from(authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? 'ok' : 'unauthorized';
}

/** What a refused scrape is told. */
export const SCRAPE_REFUSED = {
  unauthorized: { status: 401, detail: 'send Authorization: Bearer <METRICS_TOKEN>' },
  off: { status: 404, detail: 'metrics are off: with NODE_ENV=production set METRICS_TOKEN, and scrape with it' },
} as const;

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
