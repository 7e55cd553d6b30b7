// First: tracing patches the HTTP, PostgreSQL and Redis clients as they load.
import { tracing } from './tracing/start-worker';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from './common/shutdown';
import { Logger } from 'nestjs-pino';
import { loadConfig } from './config/config.schema';
import { WorkerModule } from './worker.module';
import { WorkerHttpServer } from './workers/worker-http';
import { BrowserHealth } from './workers/browser-health';
import { BROWSER_PLAN, BrowserPlan, describePlan } from './engine/launch';

/** A worker process: BullMQ consumers, and an HTTP port for probes and metrics only (WORKER_HTTP_PORT). Run as many as you like. */
async function bootstrap(): Promise<void> {
  loadConfig(); // fails fast, naming every bad variable
  // abortOnError off: a failed start-up check (no Chromium, say) ends in the catch below, which
  // prints what to fix and exits 1, instead of Nest's process.abort().
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  closeOnSignals(app, 'Worker', () => tracing?.shutdown());
  // A worker whose browser keeps failing stops for good: its supervisor restarts it, or a human looks.
  void app.get(BrowserHealth).fatal.then(async (reason) => {
    console.error(`worker ${process.pid} stopping: ${reason}`);
    await app.close().catch(() => undefined);
    process.exit(1);
  });
  // Printed whatever LOG_LEVEL says: supervisors and tests wait for this line (and read the port).
  const http = app.get(WorkerHttpServer).url;
  console.log(`worker ${process.pid} started; ${describePlan(app.get<BrowserPlan>(BROWSER_PLAN))}${http ? `; health and metrics at ${http}` : ''}`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
