import { Inject, Injectable } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { APP_CONFIG } from '../../config/config.module';
import { AppConfig } from '../../config/config.schema';
import type { ResponseLogEntry } from '../../results/job-result.entity';
import { ChromiumService } from './chromium.service';
import { runAdapter } from './form-runner';
import {
  ClickDeadlinePassed,
  ListingSubmitter,
  ListingValues,
  SubmissionFailed,
  SubmissionOutcome,
  SubmissionRequest,
  SubmitAborted,
} from './listing-submitter';
import { stepTimeoutMs } from './timeouts';

/** Fills directory forms in headless Chromium by interpreting their adapter definitions. */
@Injectable()
export class PlaywrightSubmitter implements ListingSubmitter {
  constructor(
    private readonly chromium: ChromiumService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async submit(req: SubmissionRequest): Promise<SubmissionOutcome> {
    const log: ResponseLogEntry[] = [];
    const note = (event: string, detail?: string) => log.push({ at: new Date().toISOString(), attempt: req.attempt, event, detail });
    const context = await this.chromium.newContext();
    // The whole attempt is bounded: closing the context makes every pending browser call fail.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      void context.close();
    }, this.config.SUBMIT_TIMEOUT_MS);
    let screenshotPath: string | undefined;
    try {
      const page = await context.newPage();
      let crashed = false;
      page.once('crash', () => (crashed = true));
      try {
        const result = await runAdapter(page, req.directory.adapter, req.directory.submitUrl, req.values, note, req.beforeSubmit, stepTimeoutMs(this.config));
        screenshotPath = await this.screenshot(page, req.screenshotPath);
        return { ...result, log, screenshotPath };
      } catch (err) {
        if (err instanceof SubmitAborted || err instanceof ClickDeadlinePassed) throw err;
        if (!crashed && !timedOut) screenshotPath = await this.screenshot(page, req.screenshotPath);
        // Name the cause rather than the browser call that happened to notice it.
        const message = crashed
          ? "the directory's page crashed the browser's renderer"
          : timedOut
            ? `the attempt took longer than SUBMIT_TIMEOUT_MS (${this.config.SUBMIT_TIMEOUT_MS} ms)`
            : undefined;
        if (message) note('error', firstLine(err));
        throw err instanceof SubmissionFailed && !message ? err : new SubmissionFailed(message ?? firstLine(err), log, screenshotPath);
      }
    } finally {
      clearTimeout(deadline);
      await context.close().catch(() => undefined);
    }
  }

  async isListed(directory: SubmissionRequest['directory'], values: ListingValues): Promise<boolean | undefined> {
    const verify = directory.adapter.verify;
    if (!verify) return undefined;
    const url = new URL(verify.url.replace('{website}', encodeURIComponent(values.website ?? '')), directory.submitUrl);
    const context = await this.chromium.newContext();
    try {
      const res = await context.request.get(url.toString(), { timeout: 15_000 });
      if (!res.ok()) return undefined;
      const body = (await res.json()) as { listed?: unknown };
      return typeof body.listed === 'boolean' ? body.listed : undefined;
    } catch {
      return undefined;
    } finally {
      await context.close().catch(() => undefined);
    }
  }

  private async screenshot(page: import('playwright-core').Page, path: string): Promise<string | undefined> {
    try {
      await mkdir(dirname(path), { recursive: true });
      await page.screenshot({ path, timeout: 5000 });
      return path;
    } catch {
      return undefined;
    }
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 500);
}
