import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { APP_CONFIG } from '../../config/config.module';
import { AppConfig } from '../../config/config.schema';

/** Flags for Chromium as root in a container with no network but loopback. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/**
 * One Chromium per worker process, launched on first use and again if it dies; every submission
 * gets a fresh context (no cookies or storage shared between customers or directories).
 */
@Injectable()
export class ChromiumService implements OnApplicationShutdown {
  private readonly logger = new Logger(ChromiumService.name);
  private browser?: Promise<Browser>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async newContext(): Promise<BrowserContext> {
    const browser = await this.launch();
    return browser.newContext({ acceptDownloads: false, serviceWorkers: 'block', javaScriptEnabled: true });
  }

  private launch(): Promise<Browser> {
    if (this.browser) return this.browser;
    const launched: Promise<Browser> = chromium
      .launch({
        executablePath: this.config.CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
        // Playwright would close Chromium on SIGTERM at once, killing in-flight submissions; the
        // worker's own shutdown lets them finish first and closes the browser last.
        handleSIGTERM: false,
        handleSIGINT: false,
        handleSIGHUP: false,
      })
      .then((b) => {
        b.on('disconnected', () => {
          if (this.browser !== launched) return; // closed on purpose, or already replaced
          this.logger.warn('Chromium went away; the next submission starts a new one');
          this.browser = undefined;
        });
        return b;
      })
      .catch((err: unknown) => {
        this.browser = undefined;
        throw new Error(`cannot start Chromium (CHROMIUM_PATH=${this.config.CHROMIUM_PATH ?? 'Playwright default'}): ${(err as Error).message}`);
      });
    this.browser = launched;
    return launched;
  }

  async onApplicationShutdown(): Promise<void> {
    const browser = await this.browser?.catch(() => undefined);
    this.browser = undefined;
    await browser?.close();
  }
}
