import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { APP_CONFIG } from '../../config/config.module';
import { AppConfig } from '../../config/config.schema';
import type { ContextProxy } from '../../egress/egress-lease';
import { EgressProxy } from '../../egress/egress-proxy.service';
import { firstLine } from '../../engine/attempt';
import { browserAnswers, closeContext } from '../../engine/browser-answers';
import { launchError } from '../../engine/browser-check';
import { BROWSER_ARGS, BROWSER_PLAN, BrowserPlan, launchOptions } from '../../engine/launch';
import { BrowserFailed } from '../../engine/listing-submitter';

/** How long a browser that may have died gets to answer before it counts as gone. */

export { EGRESS_ARGS } from '../../engine/launch';

/**
 * For tests' own browsers, which open only this project's pages (dashboard, sandbox) and run as
 * root, where Chromium has no sandbox. Workers launch through {@link launchOptions} instead.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', ...BROWSER_ARGS];

/** One launched Chromium and the contexts it has served. */
interface BrowserSlot {
  browser: Promise<Browser>;
  served: number;
  open: number;
}

/**
 * One Chromium per worker process, launched on first use, again if it dies, and replaced after
 * BROWSER_RECYCLE_AFTER submissions (long-lived browsers grow); the old one closes once its last
 * submission is done. Every submission gets a fresh context: no cookies or storage are shared
 * between customers or directories.
 */
@Injectable()
export class ChromiumService implements OnApplicationShutdown {
  private readonly logger = new Logger(ChromiumService.name);
  private current?: BrowserSlot;
  private readonly retiring = new Set<BrowserSlot>();
  /** Browser contexts open now (counted apart from the slots': a browser dropped as mute takes its slot's count with it). */
  contextsOpen = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly egress: EgressProxy,
    @Inject(BROWSER_PLAN) private readonly plan: BrowserPlan,
  ) {}

  /**
   * `proxy`: the egress lease's credentials, by which the proxy tells this context's connections
   * from the others'. No downloads, no service workers (they would outlive the page and fetch on
   * their own). Throws {@link BrowserFailed} when Chromium does not start or does not answer:
   * nothing about the directory has happened yet, so that is the worker's fault.
   */
  async newContext(proxy: ContextProxy): Promise<BrowserContext> {
    if (!this.current || this.current.served >= this.config.BROWSER_RECYCLE_AFTER) this.replace();
    const slot = this.current as BrowserSlot;
    slot.served++;
    slot.open++;
    try {
      const context = await (await slot.browser).newContext({ acceptDownloads: false, serviceWorkers: 'block', proxy });
      this.contextsOpen++;
      context.once('close', () => {
        this.contextsOpen--;
        this.released(slot);
      });
      return context;
    } catch (err) {
      this.released(slot);
      throw err instanceof BrowserFailed ? err : new BrowserFailed(`Chromium did not open a browser context: ${firstLine(err)}`);
    }
  }

  /**
   * Closes a context, waiting a bounded time at most (the engine's ANSWER_TIMEOUT_MS): a frozen browser never answers, and the
   * submission that used it must still end (the browser itself is dropped by {@link answers}).
   */
  closeContext(context: BrowserContext): Promise<void> {
    return closeContext(context);
  }

  /**
   * Whether the browser behind `context` is still there. Asked after an attempt failed, to tell a
   * page that broke from a browser that died: the call that noticed may fail a moment before
   * Playwright sees the pipe close, so this asks the browser itself, bounded in time (browserAnswers).
   */
  async answers(context: BrowserContext): Promise<boolean> {
    const browser = context.browser();
    const alive = await browserAnswers(context);
    // Connected but mute (frozen, say): the next submission must not wait on it too, so it is
    // dropped and the next newContext launches a new one. Its close() may never return either.
    if (!alive && browser) {
      const slot = this.current;
      if (slot && (await slot.browser.catch(() => undefined)) === browser && this.current === slot) this.current = undefined;
      void browser.close().catch(() => undefined);
    }
    return alive;
  }

  private replace(): void {
    const old = this.current;
    this.current = { browser: this.launch(), served: 0, open: 0 };
    if (old) {
      this.retiring.add(old);
      if (old.open === 0) void this.close(old);
    }
  }

  private released(slot: BrowserSlot): void {
    slot.open--;
    if (slot.open === 0 && this.retiring.has(slot)) void this.close(slot);
  }

  private async close(slot: BrowserSlot): Promise<void> {
    this.retiring.delete(slot);
    if (this.current === slot) this.current = undefined;
    const browser = await slot.browser.catch(() => undefined);
    await browser?.close().catch(() => undefined);
  }

  private launch(): Promise<Browser> {
    const launched = chromium
      .launch({
        // The executable and sandbox mode the worker's start-up check settled (browser-check.ts).
        ...launchOptions(this.plan),
        // The browser-wide proxy too: whatever a context does not cover goes to the proxy, which
        // refuses it for want of a context's credentials.
        proxy: { server: this.egress.url, bypass: '<-loopback>' },
        // Playwright would close Chromium on SIGTERM at once, killing in-flight submissions; the
        // worker's own shutdown lets them finish first and closes the browser last.
        handleSIGTERM: false,
        handleSIGINT: false,
        handleSIGHUP: false,
      })
      .catch((err: unknown) => {
        if (this.current?.browser === launched) this.current = undefined;
        throw new BrowserFailed(`Chromium at ${this.plan.executablePath} did not start: ${launchError(err)}`);
      });
    void launched.then((b) =>
      b.on('disconnected', () => {
        if (this.current?.browser !== launched) return; // closed on purpose, or already replaced
        this.logger.warn('Chromium went away; the next submission starts a new one');
        this.current = undefined;
      }),
    ).catch(() => undefined);
    return launched;
  }

  async onApplicationShutdown(): Promise<void> {
    const slots = [...this.retiring, ...(this.current ? [this.current] : [])];
    this.current = undefined;
    await Promise.all(slots.map((s) => this.close(s)));
  }
}
