import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { accessLineLevel, requestForLog } from './request-log';
import { requestIdOf } from './request-id';
import { REDACT_PATHS, scrubSecrets } from './scrub';

/** The addresses probes and scrapers ask every few seconds (exactly: with a query string a request is logged). */
const PROBES = new Set(['/api/v1/health', '/api/v1/health/live', '/api/v1/health/ready', '/metrics']);

/** Nest's level names (LOG_LEVEL) as pino's. */
const PINO_LEVELS = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;

/**
 * JSON logs through pino for every process: one line per event (and per HTTP request in the
 * API, with its id), known secret fields redacted and every line scrubbed of secret-looking text.
 * What a client controls is cut before it is logged (request-log.ts, LOG_LIMITS): a request's URL,
 * with credentials in its query string replaced, and its headers, on every line logged about it.
 * LOG_FILE sends them to a file instead of stdout.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        // Nest runs this middleware twice for routes outside the global prefix (/staff,
        // /dashboard): log each request once.
        const logged = new WeakSet<object>();
        return {
          pinoHttp: [
            {
              level: PINO_LEVELS[config.LOG_LEVEL],
              redact: REDACT_PATHS,
              serializers: { req: requestForLog },
              // assignRequestId (http-app.ts) gave the request its id first; anything else gets one here.
              genReqId: (req, res) => {
                req.id ??= requestIdOf(req.headers['x-request-id']);
                if (!res.headersSent) res.setHeader('X-Request-Id', String(req.id));
                return req.id;
              },
              // A failed request's access line is the one line about it when nothing threw
              // (a 503 while the database watchdog already knows it is away): at `warn` or
              // `error`, so an operator reading warnings and up sees every failed request.
              customLogLevel: (_req, res, err) => accessLineLevel(res.statusCode, err),
              hooks: { streamWrite: scrubSecrets },
              // Health probes and scrapes every few seconds would drown everything else.
              autoLogging: {
                ignore: (req) => {
                  if (PROBES.has(req.url ?? '') || logged.has(req)) return true;
                  logged.add(req);
                  return false;
                },
              },
            },
            config.LOG_FILE ? pino.destination({ dest: config.LOG_FILE, mkdir: true, sync: false }) : pino.destination(1),
          ],
        };
      },
    }),
  ],
})
export class LoggingModule {}
