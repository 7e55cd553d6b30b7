// First: tracing patches the HTTP, PostgreSQL and Redis clients as they load.
import { tracing } from './tracing/start-api';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { closeOnSignals } from './common/shutdown';
import { loadConfig } from './config/config.schema';
import { createHttpApp } from './http-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp();
  closeOnSignals(app, 'Api', () => tracing?.shutdown());
  await app.listen(config.PORT, config.HOST);
  const url = await app.getUrl();
  Logger.log(`API on ${url}/api/v1, docs on ${url}/docs, Bull Board on ${url}/admin/queues`, 'Boltline');
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
