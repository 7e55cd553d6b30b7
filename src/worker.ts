import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from './common/shutdown';
import { loadConfig } from './config/config.schema';
import { WorkerModule } from './worker.module';

/** A worker process: no HTTP server, only BullMQ consumers. Run as many as you like. */
async function bootstrap(): Promise<void> {
  loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule);
  closeOnSignals(app, 'Worker');
  Logger.log(`worker ${process.pid} started`, 'Boltline');
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
