import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { BROWSER_PLAN, BrowserPlan } from '../engine/launch';

/**
 * Counts this worker's browser failures in a row. A browser failure costs the directory nothing
 * (the entry goes back to the queue), so a worker whose Chromium is broken would otherwise spin
 * through the queue for ever: after BROWSER_FAILURES_BEFORE_EXIT of them in a row it gives up,
 * and src/worker.ts stops the process non-zero with {@link fatal}'s reason, for its supervisor
 * to restart it or a human to look.
 */
@Injectable()
export class BrowserHealth implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BrowserHealth.name);
  private inARow = 0;
  private give!: (reason: string) => void;
  private given = false;
  /** Stopping anyway: browsers closed under late submissions say nothing about this worker's health. */
  private stopping = false;
  /** Resolves, once, with why this worker must stop. */
  readonly fatal = new Promise<string>((resolve) => (this.give = resolve));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BROWSER_PLAN) private readonly plan: BrowserPlan,
  ) {}

  /** The browser served an attempt to its end, whatever the directory answered. */
  worked(): void {
    this.inARow = 0;
  }

  failed(why: string): void {
    if (this.stopping) return;
    this.inARow++;
    const limit = this.config.BROWSER_FAILURES_BEFORE_EXIT;
    this.logger.warn(`browser failure ${this.inARow} of ${limit} in a row: ${why}`);
    if (this.inARow < limit || this.given) return;
    this.given = true;
    this.give(
      `Chromium failed ${this.inARow} times in a row (last: ${why}). This worker stops taking work and exits so that its ` +
        `supervisor restarts it or someone looks: check the browser at ${this.plan.executablePath} (CHROMIUM_PATH) and the machine's memory. ` +
        'The submissions it held went back to the queue without spending an attempt.',
    );
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}
