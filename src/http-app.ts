import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AuditService } from './audit/audit.service';
import { StaffSessions } from './auth/staff-sessions';
import { EVERY_OPERATION_PROBLEMS, problemResponse, ProblemSchema } from './common/api-docs';
import { withDirectoryBodySchemas } from './directories/directories.api-docs';
import { bodyParserProblems, requireJsonContentType, requireUtf8, requireUtf8Form } from './common/json-body';
import { PROBLEMS_PATH } from './common/problem-types';
import { ProblemFilter } from './common/problem.filter';
import { refuseUnstorableText } from './common/text-input';
import { strictValidationPipe } from './common/validation';
import { APP_CONFIG } from './config/config.module';
import { AppConfig } from './config/config.schema';
import { mountBullBoards } from './dashboard/bull-boards';
import { ASSETS_DIR } from './dashboard/templates';
import express from 'express';
import { API_PREFIX } from './common/api-path';
import { logoBody } from './customers/customer-logo';
import { screenshotBody } from './leases/screenshot-body';
import { WORKER_API_PATH } from './leases/protocol';
import { Metrics } from './metrics/metrics';
import { httpMetrics } from './metrics/metrics-access';
import { assignRequestId } from './logging/request-id';

/** `TRUST_PROXY` as Express takes it: a hop count, true/false, or addresses and names. */
function trustProxy(value: string): number | boolean | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/**
 * Builds the API application (used by `main.ts` and by tests): the REST API under /api/v1 behind
 * API keys, its docs at /docs, what each problem `type` means at /problems, and the staff tools
 * (sign-in at /staff, Bull Board) behind staff sessions. Order matters: headers, then body parsers
 * (and the checks of what they parsed), then the staff mounts, then Nest's routes.
 */
export async function createHttpApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, abortOnError: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  const config = app.get<AppConfig>(APP_CONFIG);
  if (config.TRUST_PROXY) app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  // First, so that a request's time includes everything Boltline does with it, and every
  // answer, even one that turns the request away, says the request's id.
  app.use(httpMetrics(app.get(Metrics)));
  app.use(assignRequestId);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Bull Board's page and Swagger UI style elements inline, and Bull Board asks Google
          // Fonts for its typeface; no script runs inline anywhere.
          'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
          'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
          'img-src': ["'self'", 'data:'],
          // Plain-HTTP development must keep working; behind TLS the proxy should set HSTS.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use(`/${API_PREFIX}/customers/:id/logo`, logoBody);
  app.use(`/${API_PREFIX}/${WORKER_API_PATH}/leases/:id/screenshot`, screenshotBody);
  app.use(`/${API_PREFIX}`, requireJsonContentType);
  app.useBodyParser('json', { limit: '1mb', verify: requireUtf8 });
  app.useBodyParser('urlencoded', { extended: false, limit: '16kb', verify: requireUtf8Form });
  // Every route, the staff tools' included: text that cannot be stored exactly is refused here.
  app.use(refuseUnstorableText);
  app.use(bodyParserProblems);
  const sessions = app.get(StaffSessions);
  app.use('/staff', sessions.requireTls, sessions.session, sessions.requireCsrf);
  mountBullBoards(app, sessions, app.get(AuditService));
  // The dashboard's stylesheet and script are public (they hold nothing); its pages are not.
  app.use('/dashboard/assets', express.static(ASSETS_DIR, { maxAge: '1h', fallthrough: false }));
  app.use('/dashboard', sessions.session, sessions.requireStaff({ redirect: true }), sessions.adminsToAct, sessions.requireCsrf, sessions.errors);
  app.setGlobalPrefix(API_PREFIX, { exclude: ['staff/{*path}', 'dashboard', 'dashboard/{*path}', PROBLEMS_PATH, `${PROBLEMS_PATH}/{*path}`, 'metrics'] });
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  const doc = new DocumentBuilder()
    .setTitle('Boltline API')
    .setDescription('Orders of directory submissions, their progress and results.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: bl_live_<id>_<secret>' })
    .addGlobalResponse(...EVERY_OPERATION_PROBLEMS.map(problemResponse))
    .build();
  SwaggerModule.setup('docs', app, () => withDirectoryBodySchemas(SwaggerModule.createDocument(app, doc, { extraModels: [ProblemSchema] })));
  return app;
}
