import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problemBody } from '../common/problem-types';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { HealthChecks } from '../health/health-checks';
import { Metrics } from '../metrics/metrics';
import { SCRAPE_REFUSED, scrapeAccess } from '../metrics/metrics-access';
import { IntakeWatch } from './intake-watch';

export const SERVED = ['/health/live', '/health/ready', '/metrics'];

/**
 * What a worker serves over HTTP, on WORKER_HTTP_PORT, and nothing else: `/health/live` (the
 * process answers), `/health/ready` (PostgreSQL and Redis answer, and it takes work: see
 * {@link IntakeWatch}), as the API answers them, and `/metrics` for Prometheus. A change of
 * readiness is logged once, at `warn` when it turns red. Stays up while the worker drains on
 * shutdown, saying "not ready".
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHealth');
  private server?: Server;
  private lastReady = true;

  constructor(
    private readonly checks: HealthChecks,
    private readonly intake: IntakeWatch,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.WORKER_HTTP_PORT;
    if (port === undefined) return;
    this.intake.start();
    const server = createServer((req, res) => void this.answer(req, res).catch((err: unknown) => this.fail(res, err)));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, this.config.HOST, resolve));
    this.server = server;
    this.logger.log(`serving ${SERVED.join(', ')} at ${this.url}`);
  }

  /** Where it listens (`http://host:port`), once it does; undefined without WORKER_HTTP_PORT. */
  get url(): string | undefined {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    if (!bound) return undefined;
    return `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`;
  }

  async onApplicationShutdown(): Promise<void> {
    this.intake.stop();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    if (!SERVED.includes(path)) return send(res, 404, problemBody(undefined, `no ${path} here: a worker serves ${SERVED.join(', ')}`, undefined, 404));
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, problemBody(undefined, `${req.method} is not served here; use GET`, undefined, 405), { allow: 'GET, HEAD' });
    if (path === '/health/live') return send(res, 200, { status: 'ok' });
    if (path === '/metrics') return this.scrape(req, res);
    const readiness = await this.checks.readiness([() => this.checks.verdict('intake', this.intake.stalled())]);
    if (readiness.ready !== this.lastReady) {
      if (readiness.ready) this.logger.log('ready again');
      else this.logger.warn(`not ready: ${readiness.detail}`);
      this.lastReady = readiness.ready;
    }
    if (readiness.ready) send(res, 200, readiness.result);
    else send(res, 503, problemBody('unavailable', readiness.detail));
  }

  private async scrape(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const access = scrapeAccess(req.headers.authorization, this.config);
    if (access !== 'ok') return send(res, SCRAPE_REFUSED[access].status, problemBody(undefined, SCRAPE_REFUSED[access].detail, undefined, SCRAPE_REFUSED[access].status));
    const text = await this.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': this.metrics.registry.contentType, 'cache-control': 'no-store' }).end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    this.logger.error(err instanceof Error ? err.stack : String(err));
    if (!res.headersSent) send(res, 500, problemBody('internal', 'the health check failed; see the worker log'));
  }
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}
