import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { APP_CONFIG } from '../../config/config.module';
import { AppConfig } from '../../config/config.schema';
import type { ContextProxy } from '../../egress/egress-lease';
import { EgressProxy } from '../../egress/egress-proxy.service';

/** Flags for Chromium as root in a container with no network but loopback. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/**
 * Nothing may leave Chromium except through the egress proxy: QUIC is UDP, which an HTTP proxy
 * does not carry, so it is off; WebRTC may use no UDP the proxy does not carry (no STUN, no
 * local candidates); and since every request is proxied Chromium has no host name of its own to
 * resolve, so its resolver answers NOTFOUND for everything but the proxy's address.
 */
export const EGRESS_ARGS = [
  '--disable-quic',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

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

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly egress: EgressProxy,
  ) {}

  /**
   * `proxy`: the egress lease's credentials, by which the proxy tells this context's connections
   * from the others'. No downloads, no service workers (they would outlive the page and fetch on
   * their own).
   */
  async newContext(proxy: ContextProxy): Promise<BrowserContext> {
    if (!this.current || this.current.served >= this.config.BROWSER_RECYCLE_AFTER) this.replace();
    const slot = this.current as BrowserSlot;
    slot.served++;
    slot.open++;
    try {
      const context = await (await slot.browser).newContext({ acceptDownloads: false, serviceWorkers: 'block', proxy });
      context.once('close', () => this.released(slot));
      return context;
    } catch (err) {
      this.released(slot);
      throw err;
    }
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
        executablePath: this.config.CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS, ...EGRESS_ARGS],
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
        throw new Error(`cannot start Chromium (CHROMIUM_PATH=${this.config.CHROMIUM_PATH ?? 'Playwright default'}): ${(err as Error).message}`);
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
