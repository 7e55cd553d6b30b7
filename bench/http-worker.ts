import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { closeOnSignals } from '../src/common/shutdown';
import { loadConfig } from '../src/config/config.schema';
import { BROWSER_PLAN, type BrowserPlan } from '../src/engine/launch';
import { LISTING_SUBMITTER } from '../src/engine/listing-submitter';
import { WorkerModule } from '../src/worker.module';
import { HttpSubmitter } from './http-submitter';

/** Stands in for the start-up browser check: nothing here launches Chromium. */
const NO_BROWSER: BrowserPlan = {
  executablePath: '(none)',
  version: '(none)',
  sandbox: false,
  reason: "the bench's HTTP submitter posts forms without a browser",
};

/**
 * A worker process for the bench's pipeline figures: the real WorkerModule (queue consumer,
 * SubmissionService, fenced writes, counters, live notices) with the listing submitter swapped
 * for {@link HttpSubmitter} and the browser check for {@link NO_BROWSER}, so what is measured is
 * the pipeline without Chromium. Started and stopped like src/worker.ts: the same
 * `worker <pid> started` line, SIGTERM/SIGINT close it gracefully.
 */
async function bootstrap(): Promise<void> {
  loadConfig(); // fails fast, naming every bad variable
  const app = await Test.createTestingModule({ imports: [WorkerModule] })
    .overrideProvider(BROWSER_PLAN)
    .useValue(NO_BROWSER)
    .overrideProvider(LISTING_SUBMITTER)
    .useClass(HttpSubmitter)
    .compile();
  app.useLogger(app.get(Logger));
  await app.init();
  closeOnSignals(app, 'Worker');
  console.log(`worker ${process.pid} started; HTTP submitter, no browser`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
