import { Inject, Injectable } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Locator } from 'playwright-core';
import { dirname } from 'node:path';
import { APP_CONFIG } from '../../config/config.module';
import type { AdapterDefinition, Target } from '../../directories/definition/adapter.schema';
import { AppConfig } from '../../config/config.schema';
import type { BlockedConnection } from '../../egress/egress-lease';
import { EgressProxy } from '../../egress/egress-proxy.service';
import type { ResponseLogEntry } from '../../common/response-log';
import { BrowserHealth } from '../browser-health';
import { ChromiumService } from './chromium.service';
import { runCodeAdapter } from '../../engine/code-adapters/run-code-adapter';
import { runAdapter, type RunResult } from '../../engine/form-runner';
import {
  BlockedByPolicy,
  BrowserFailed,
  ClickDeadlinePassed,
  ListingSubmitter,
  ListingValues,
  SubmissionFailed,
  SubmissionOutcome,
  SubmissionRequest,
  type ClickGate,
  SubmitAborted,
} from '../../engine/listing-submitter';
import { watchPolicy } from './policy-watch';
import { fillTemplate, listedOnSearchPage, pageProbe } from '../../engine/outcome';
import { Redactor } from '../../engine/redact';
import { describeTarget, locate, TargetNotFound } from '../../engine/targets';
import { DirectoryCredentials } from '../directory-credentials';
import { attemptTimeouts, stepTimeoutMs } from '../../engine/timeouts';

/**
 * Fills directory forms in headless Chromium by interpreting their adapter definitions. Every
 * browser context sits behind the worker's egress proxy with credentials of its own.
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
   * One attempt, with whatever it records redacted: a directory's sign-in values never reach the
   * row's log, its message or an error (and so neither the database, Redis nor a process log).
   */
  private async attempt(req: SubmissionRequest, gate: ClickGate): Promise<SubmissionOutcome> {
    const redact = new Redactor();
    try {
      const outcome = await this.run(req, gate, redact);
      return { ...outcome, message: redact.text(outcome.message), reference: redact.text(outcome.reference) };
    } catch (err) {
      throw redact.error(err);
    }
  }

  private async run(req: SubmissionRequest, gate: ClickGate, redact: Redactor): Promise<SubmissionOutcome> {
    const log: ResponseLogEntry[] = [];
    const note = (event: string, detail?: string) => log.push({ at: new Date().toISOString(), attempt: req.attempt, event: redact.text(event), detail: redact.text(detail) });
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
      note('blocked by policy', `${b.endpoint}: ${b.reason}`);
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
    let screenshotPath: string | undefined;
    try {
      const page = await context.newPage();
      let crashed = false;
      page.once('crash', () => (crashed = true));
      let result: RunResult | undefined;
      let failure: unknown;
      // Credential fields are blacked out of the photo, wherever the attempt stops.
      const mask = credentialTargets(req.directory.adapter).map((t) => locate(page, t));
      try {
        const { adapter, submitUrl } = req.directory;
        // Opened right before the sign-in, only for it; none stored fails the row before the site is touched.
        const credentials = adapter.login ? await this.credentials.open(req.directory.id) : undefined;
        if (credentials) redact.add(Object.values(credentials));
        result = adapter.code
          ? await runCodeAdapter(page, adapter, submitUrl, req.values, note, gate, limits.stepMs)
          : await runAdapter(page, adapter, submitUrl, req.values, note, gate, limits.stepMs, { credentials });
      } catch (err) {
        failure = err;
      }
      // Checked first: whatever else went wrong followed from the refusal.
      if (blocked) throw new BlockedByPolicy(blocked.endpoint, blocked.reason, log);
      if (result) {
        screenshotPath = await this.screenshot(page, req.screenshotPath, mask);
        return { ...result, log, screenshotPath };
      }
      if (failure instanceof SubmitAborted || failure instanceof ClickDeadlinePassed) throw failure;
      // A browser that died takes its pages with it: that is the worker's fault, not the page's.
      if (!(await this.chromium.answers(context))) {
        note('error', firstLine(failure));
        throw new BrowserFailed(`Chromium went away or stopped answering during the attempt: ${firstLine(failure)}`, log);
      }
      if (!crashed && !timedOut) screenshotPath = await this.screenshot(page, req.screenshotPath, mask);
      // Name the cause rather than the browser call that happened to notice it.
      const message = crashed
        ? "the directory's page crashed the browser's renderer"
        : timedOut
          ? limits.submitMs < this.config.SUBMIT_TIMEOUT_MS
            ? `the attempt took longer than the directory's timeouts.submitMs (${limits.submitMs} ms)`
            : `the attempt took longer than SUBMIT_TIMEOUT_MS (${this.config.SUBMIT_TIMEOUT_MS} ms)`
          : undefined;
      if (message) note('error', firstLine(failure));
      if (failure instanceof SubmissionFailed && !message) throw failure;
      throw new SubmissionFailed(message ?? firstLine(failure), log, screenshotPath, message ? undefined : missingTarget(failure));
    } finally {
      clearTimeout(deadline);
      await this.chromium.closeContext(context);
      lease.end();
    }
  }

  private async askListed(directory: SubmissionRequest['directory'], values: ListingValues): Promise<boolean | undefined> {
    const verify = directory.adapter.verify;
    if (!verify) return undefined;
    const template = verify.url ?? verify.search!.url;
    const url = new URL(verify.url ? template.replaceAll('{website}', encodeURIComponent(values.website ?? '')) : fillTemplate(template, values), directory.submitUrl);
    if (webScheme(url.href)) return undefined;
    // Through the proxy like the pages: Playwright's request client uses the context's proxy. A
    // refusal is an answer the directory could not give: undefined, and staff decide.
    const lease = await this.egress.lease();
    try {
      const context = await this.chromium.newContext(lease.proxy);
      try {
        const timeout = stepTimeoutMs(this.config);
        if (!verify.url) {
          // The site's own search page, read like a person would: listed when it shows the business.
          const page = await context.newPage();
          const res = await page.goto(url.toString(), { waitUntil: 'load', timeout });
          if (!res?.ok()) return undefined;
          return await listedOnSearchPage(verify.search!.found, pageProbe(page));
        }
        const res = await context.request.get(url.toString(), { timeout });
        if (!res.ok()) return undefined;
        const body = (await res.json()) as { listed?: unknown };
        return typeof body.listed === 'boolean' ? body.listed : undefined;
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

  private async screenshot(page: import('playwright-core').Page, path: string, mask: Locator[]): Promise<string | undefined> {
    try {
      await mkdir(dirname(path), { recursive: true });
      await page.screenshot({ path, timeout: 5000, mask });
      return path;
    } catch {
      return undefined;
    }
  }
}

/** The scheme of a URL that is not an http(s) page (`file:`, `data:`, ...), or undefined when it is one. */
function webScheme(url: string): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return 'an invalid URL';
  }
  return protocol === 'http:' || protocol === 'https:' ? undefined : protocol;
}

/** The controls a sign-in value is typed into. */
function credentialTargets(adapter: AdapterDefinition): Target[] {
  return (adapter.login?.steps ?? []).flatMap((s) => s.fields.filter((f) => f.credential !== undefined).map((f) => f.target));
}

/** Which of the adapter's targets the page did not offer, or undefined for any other failure. */
export function missingTarget(err: unknown): string | undefined {
  return err instanceof TargetNotFound ? describeTarget(err.target) : undefined;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 500);
}
