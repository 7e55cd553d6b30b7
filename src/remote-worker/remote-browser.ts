import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { firstLine } from '../engine/attempt';
import { launchError } from '../engine/browser-check';
import { type BrowserPlan, launchOptions } from '../engine/launch';
import { BrowserFailed } from '../engine/listing-submitter';
import { browserAnswers, closeContext } from '../engine/browser-answers';
import { BROWSER_FAILURES_BEFORE_EXIT } from './constants';
import { warn } from './say';

/**
 * The remote worker's one Chromium: launched on first use with the plan its start-up check
 * settled, again after it died, and without the egress flags (there is no egress proxy here: the
 * worker reaches the directories directly). Every lease gets a fresh context, so no cookies or
 * storage pass between customers or directories. A browser that fails BROWSER_FAILURES_BEFORE_EXIT
 * leases in a row makes {@link broken} say why the worker must stop.
 */
export class RemoteBrowser {
  private current?: Promise<Browser>;
  private inARow = 0;
  private why?: string;

  constructor(private readonly plan: BrowserPlan) {}

  /** Why this worker must stop taking work, or undefined while its browser holds up. */
  get broken(): string | undefined {
    return this.why;
  }

  /** A context of its own for one lease; {@link BrowserFailed} when Chromium does not start or answer. */
  async newContext(): Promise<BrowserContext> {
    const launched = (this.current ??= this.launch());
    try {
      return await (await launched).newContext({ acceptDownloads: false, serviceWorkers: 'block' });
    } catch (err) {
      throw err instanceof BrowserFailed ? err : new BrowserFailed(`Chromium did not open a browser context: ${firstLine(err)}`);
    }
  }

  /** Whether the browser behind `context` still answers (the engine asks the browser itself, bounded in time). */
  answers(context: BrowserContext): Promise<boolean> {
    return browserAnswers(context);
  }

  /** Closes a lease's context, waiting a bounded time at most: a frozen browser never answers. */
  closeContext(context: BrowserContext): Promise<void> {
    return closeContext(context);
  }

  /** The browser served a lease to its end, whatever the directory answered. */
  worked(): void {
    this.inARow = 0;
  }

  /**
   * The browser failed a lease: the next lease gets a new one. `context`: the lease's, when it
   * had one; a browser launched since (another lease's failure replaced it) is kept.
   */
  async failed(why: string, context?: BrowserContext): Promise<void> {
    this.inARow++;
    warn(`browser failure ${this.inARow} of ${BROWSER_FAILURES_BEFORE_EXIT} in a row: ${why}`);
    if (this.inARow >= BROWSER_FAILURES_BEFORE_EXIT && !this.why) {
      this.why = `Chromium failed ${this.inARow} leases in a row (last: ${why}); check the browser at ${this.plan.executablePath} and the machine's memory`;
    }
    const current = this.current;
    const browser = await current?.catch(() => undefined);
    if (context && browser && context.browser() !== browser) return;
    if (this.current === current) this.current = undefined;
    await browser?.close().catch(() => undefined);
  }

  /** Closes the browser: every page still open fails. */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    const browser = await current?.catch(() => undefined);
    await browser?.close().catch(() => undefined);
  }

  private launch(): Promise<Browser> {
    const launched = chromium
      .launch({
        ...launchOptions(this.plan, { egress: false }),
        // The worker's own shutdown lets in-flight leases finish first and closes the browser last.
        handleSIGTERM: false,
        handleSIGINT: false,
        handleSIGHUP: false,
      })
      .catch((err: unknown) => {
        if (this.current === launched) this.current = undefined;
        throw new BrowserFailed(`Chromium at ${this.plan.executablePath} did not start: ${launchError(err)}`);
      });
    void launched.then(
      (b) => b.on('disconnected', () => this.current === launched && (this.current = undefined)),
      () => undefined,
    );
    return launched;
  }
}
