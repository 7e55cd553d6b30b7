import { Inject, Injectable } from '@nestjs/common';
import type { BrowserContext } from 'playwright-core';
import type { ResponseLogEntry } from '../../common/response-log';
import { APP_CONFIG } from '../../config/config.module';
import { AppConfig } from '../../config/config.schema';
import type { BlockedConnection } from '../../egress/egress-lease';
import { EgressProxy } from '../../egress/egress-proxy.service';
import { askListed, firstLine, runAttempt, webScheme } from '../../engine/attempt';
import {
  BlockedByPolicy,
  BrowserFailed,
  type ClickGate,
  ListingSubmitter,
  ListingValues,
  SubmissionOutcome,
  SubmissionRequest,
} from '../../engine/listing-submitter';
import { attemptTimeouts, stepTimeoutMs } from '../../engine/timeouts';
import { BrowserHealth } from '../browser-health';
import { DirectoryCredentials } from '../directory-credentials';
import { ChromiumService } from './chromium.service';
import { watchPolicy } from './policy-watch';
import { inSpan } from '../../tracing/spans';

/**
 * The fleet worker's host of the adapter engine: the engine fills the form on a page
 * (src/engine/attempt.ts); this opens that page in headless Chromium, in a browser context of
 * its own behind the worker's egress proxy, and watches the browser around it.
 */
@Injectable()
export class PlaywrightSubmitter implements ListingSubmitter {
  constructor(
    private readonly chromium: ChromiumService,
    private readonly egress: EgressProxy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: BrowserHealth,
    private readonly credentials: DirectoryCredentials,
  ) {}

  submit(req: SubmissionRequest, gate: ClickGate): Promise<SubmissionOutcome> {
    return this.tracked(() => this.attempt(req, gate));
  }

  isListed(directory: SubmissionRequest['directory'], values: ListingValues): Promise<boolean | undefined> {
    return this.tracked(() => this.askListed(directory, values));
  }

  /** Tells {@link BrowserHealth} whether the browser held up through the attempt, whatever the page said. */
  private async tracked<T>(run: () => Promise<T>): Promise<T> {
    try {
      const answer = await run();
      this.health.worked();
      return answer;
    } catch (err) {
      if (err instanceof BrowserFailed) this.health.failed(err.message);
      else this.health.worked();
      throw err;
    }
  }

  /**
   * One attempt in a context of its own behind the egress proxy; the adapter engine does the
   * page's part (src/engine/attempt.ts), this host the browser's: the proxy lease, the policy
   * watch, the bound on the whole attempt, whether Chromium still answers.
   */
  private async attempt(req: SubmissionRequest, gate: ClickGate): Promise<SubmissionOutcome> {
    const log: ResponseLogEntry[] = [];
    // file:, data: or chrome: never reach the proxy: only web pages are opened at all.
    const scheme = webScheme(req.directory.submitUrl);
    if (scheme) throw new BlockedByPolicy(scheme, 'only http and https pages are opened', log);
    const lease = await this.egress.lease();
    let context: BrowserContext;
    try {
      context = await this.chromium.newContext(lease.proxy);
    } catch (err) {
      lease.end();
      throw err;
    }
    // The page reached where it must not: stop touching it at once, before it gets the customer's
    // details or the click. Closing the context makes every pending browser call fail.
    let blocked: BlockedConnection | undefined;
    watchPolicy(context, lease, (b) => {
      log.push({ at: new Date().toISOString(), attempt: req.attempt, event: 'blocked by policy', detail: `${b.endpoint}: ${b.reason}` });
      blocked ??= b;
      void context.close();
    });
    // The whole attempt is bounded: closing the context makes every pending browser call fail.
    let timedOut = false;
    const limits = attemptTimeouts(this.config, req.directory.adapter);
    const deadline = setTimeout(() => {
      timedOut = true;
      void context.close();
    }, limits.submitMs);
    try {
      const page = await context.newPage();
      return await runAttempt(page, req, gate, {
        credentials: () => this.credentials.open(req.directory.id),
        blocked: () => blocked,
        timedOut: () =>
          !timedOut
            ? undefined
            : limits.submitMs < this.config.SUBMIT_TIMEOUT_MS
              ? `the attempt took longer than the directory's timeouts.submitMs (${limits.submitMs} ms)`
              : `the attempt took longer than SUBMIT_TIMEOUT_MS (${this.config.SUBMIT_TIMEOUT_MS} ms)`,
        browserAnswers: () => this.chromium.answers(context),
        around: inSpan, // each phase a trace span, when tracing is on
      }, limits.stepMs, log);
    } finally {
      clearTimeout(deadline);
      await this.chromium.closeContext(context);
      lease.end();
    }
  }

  /** The directory's own answer through the proxy, like the pages; a refusal is an answer it could not give (undefined: staff decide). */
  private async askListed(directory: SubmissionRequest['directory'], values: ListingValues): Promise<boolean | undefined> {
    if (!directory.adapter.verify) return undefined;
    const lease = await this.egress.lease();
    try {
      const context = await this.chromium.newContext(lease.proxy);
      try {
        return await askListed(context, directory, values, stepTimeoutMs(this.config));
      } catch (err) {
        if (!(await this.chromium.answers(context))) throw new BrowserFailed(`Chromium went away while checking the listing: ${firstLine(err)}`);
        return undefined;
      } finally {
        await this.chromium.closeContext(context);
      }
    } finally {
      lease.end();
    }
  }
}
