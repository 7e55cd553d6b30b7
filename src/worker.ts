import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from './common/shutdown';
import { loadConfig, logLevels } from './config/config.schema';
import { WorkerModule } from './worker.module';

/** A worker process: no HTTP server, only BullMQ consumers. Run as many as you like. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: logLevels(config) });
  closeOnSignals(app, 'Worker');
  // Printed whatever LOG_LEVEL says: supervisors and tests wait for this line.
  console.log(`worker ${process.pid} started`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
