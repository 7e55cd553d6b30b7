import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from './common/shutdown';
import { Logger } from 'nestjs-pino';
import { loadConfig } from './config/config.schema';
import { WorkerModule } from './worker.module';

/** A worker process: no HTTP server, only BullMQ consumers. Run as many as you like. */
async function bootstrap(): Promise<void> {
  loadConfig(); // fails fast, naming every bad variable
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  closeOnSignals(app, 'Worker');
  // Printed whatever LOG_LEVEL says: supervisors and tests wait for this line.
  console.log(`worker ${process.pid} started`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
