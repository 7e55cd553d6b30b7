import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { suggestFromPage } from '../authoring/suggest-page';
import { suggestionYaml } from '../authoring/suggest-yaml';
import { withToolPage } from '../authoring/tool-browser';
import { SAMPLE_CUSTOMER, tryDirectory, type TryResult } from '../authoring/try';
import { customerValues } from '../authoring/try-command';
import { isUuid } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import type { DirectoryDocument } from '../directories/definition/directory.schema';
import { screenshotFile } from '../evidence/screenshots';

/** The longest a dashboard Try or Suggest may take, browser start included; then its browser is closed. */
export const TOOL_TIME_LIMIT_MS = 120_000;
/** Try screenshots older than this are removed when the next Try starts. */
const TRY_SHOTS_KEPT_MS = 24 * 3600_000;

/**
 * What the one browser tool running in this process is doing, if any. Per process, not per app:
 * each Try or Suggest starts a Chromium inside the API process, so one at a time is the bound.
 */
let running: string | undefined;

export interface DashboardTry {
  /** Names the run's screenshot folder (ARTIFACT_DIR/try/<run>). */
  run: string;
  result: TryResult;
  /** The screenshots' file names, in the order taken. */
  shots: string[];
}

/**
 * The adapter author's tools behind the dashboard's Try and Suggest buttons: the same code as
 * `npm run directories -- try | suggest`, in a browser fenced as a worker's, one at a time per
 * process and within TOOL_TIME_LIMIT_MS. A Try never makes the irreversible click.
 */
@Injectable()
export class DirectoryTools {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Runs the directory's adapter up to the submit click, with a customer's listing or the sample. */
  async try(directory: DirectoryDocument, customerId?: string): Promise<DashboardTry> {
    const values = customerId ? await customerValues(this.db, customerId, this.config.ARTIFACT_DIR).catch(() => Promise.reject(new ProblemException('not-found', `No customer ${customerId}.`))) : SAMPLE_CUSTOMER;
    return this.exclusive(`a Try of ${directory.id}`, async (signal) => {
      await this.prune();
      const run = randomUUID();
      const result = await tryDirectory(this.config, directory, values, { submit: false, screenshotDir: join(this.shotsRoot(), run), signal });
      return { run, result, shots: result.screenshots.map((p) => basename(p)) };
    });
  }

  /** A draft directory (YAML, each guess commented) read off the form page at `url`. */
  suggest(url: string): Promise<string> {
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
      return Promise.reject(new ProblemException('validation', `${url || 'The address'} is not an http:// or https:// URL.`));
    }
    return this.exclusive(`a Suggest of ${url}`, async (signal) => {
      const suggestion = await withToolPage(this.config, { submitUrl: url }, (page) => suggestFromPage(page, url), signal);
      return suggestionYaml(suggestion, { bare: true });
    });
  }

  /** A Try's screenshot file, when `run` and `file` name one under ARTIFACT_DIR. */
  async screenshot(run: string, file: string): Promise<string | undefined> {
    if (!isUuid(run) || !/^[a-z0-9-]{1,60}\.png$/.test(file)) return undefined;
    return screenshotFile(this.config.ARTIFACT_DIR, join(this.shotsRoot(), run, file));
  }

  private async exclusive<T>(what: string, use: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (running) throw new ProblemException('conflict', `This API process is running ${running} already (one browser tool at a time): try again when it has finished.`);
    running = what;
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(`${what} took longer than ${TOOL_TIME_LIMIT_MS / 1000} s, so its browser was closed`), TOOL_TIME_LIMIT_MS);
    try {
      return await use(limit.signal);
    } catch (err) {
      if (limit.signal.aborted) throw new ProblemException('unprocessable', String(limit.signal.reason));
      throw err;
    } finally {
      clearTimeout(timer);
      running = undefined;
    }
  }

  private shotsRoot(): string {
    return resolve(this.config.ARTIFACT_DIR, 'try');
  }

  private async prune(): Promise<void> {
    const root = this.shotsRoot();
    const runs = await readdir(root).catch(() => []);
    const old = Date.now() - TRY_SHOTS_KEPT_MS;
    for (const run of runs.filter(isUuid)) {
      const at = await stat(join(root, run)).then((s) => s.mtimeMs, () => Date.now());
      if (at < old) await rm(join(root, run), { recursive: true, force: true });
    }
  }
}
