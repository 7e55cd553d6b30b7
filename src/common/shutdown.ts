import { INestApplicationContext, Logger } from '@nestjs/common';
import { withTimeout } from './timeout';

/** How long the last step of a shutdown may take (flushing traces to a collector that may be gone). */
const EXIT_WAIT_MS = 5000;

/**
 * SIGTERM/SIGINT: run every shutdown hook (workers finish in-flight work, Chromium closes), then
 * exit 0. Nest's own enableShutdownHooks re-raises the signal after the hooks, so the process
 * would end "killed by SIGTERM" even after a clean stop; orchestrators read that as a failure.
 */
export function closeOnSignals(app: INestApplicationContext, name: string, beforeExit: () => Promise<void> | undefined = () => undefined): void {
  const logger = new Logger(name);
  const stop = (signal: NodeJS.Signals) => {
    logger.log(`${signal}: shutting down`);
    app.close().then(
      // Then what must outlive the app (spans still to send), never holding the exit for long.
      () => withTimeout(Promise.resolve(beforeExit()), EXIT_WAIT_MS, 'shutdown').catch(() => undefined).then(() => process.exit(0)),
      (err: unknown) => {
        logger.error(`shutdown failed: ${(err as Error).stack ?? String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
