import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { crashPoint } from '../common/crash-point';
import { stepTimeoutMs } from '../engine/timeouts';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { listingValues } from '../customers/listing-values';
import { AttemptGate } from './attempt-gate';
import { type AttemptInfo, DirectoryPaused, MAX_RETRY_AFTER_MS, MAX_RETRY_AFTERS, RetryLater, WaitUntil } from './attempt-errors';
import { screenshotPathOf } from '../evidence/screenshots';
import { DirectoryAttention } from './directory-attention';
import { DirectoryTurns } from './directory-turns.service';
import { AttemptContext, AttemptOutcome, ResultsService } from '../results/results.service';
import type { ResponseLogEntry } from '../common/response-log';
import {
  BlockedByPolicy,
  BrowserFailed,
  ClickDeadlinePassed,
  ListingSubmitter,
  SubmissionFailed,
  SubmissionOutcome,
  SubmitAborted,
} from '../engine/listing-submitter';

/** What began: nothing to do (`done`, why), or an attempt at the row, `verify` first when an earlier one clicked unanswered. */
export type Begun =
  | { kind: 'done'; result: string }
  | { kind: 'attempt'; ctx: AttemptContext; verify: boolean; orderStatus?: string; started: number };

/** What settling an attempt needs of it: the row, its token, which attempt, and whose directory. */
export type Settling = Pick<AttemptContext, 'resultId' | 'jobId' | 'token' | 'attempt'> & { directory: Pick<AttemptContext['directory'], 'id'> };

/** What the page part of an attempt came to, whoever drove the browser: the page's answer, or what broke. */
export type PageResult = { outcome: SubmissionOutcome } | { error: unknown };

/**
 * One directory submission, from the queue entry to the recorded result, whoever drives the
 * browser: {@link run} for this process's own submitter; the lease API calls {@link begin},
 * {@link verified} and {@link settle} for a worker that holds only an API key, so both hosts
 * are held to the same rules. PostgreSQL is asked first (the row may be final, the order
 * paused); the outcome is written before BullMQ hears of it; errors are thrown so BullMQ retries
 * with backoff, or UnrecoverableError when it must not (see queue-verdict.ts).
 */
@Injectable()
export class SubmissionService {
  constructor(
    private readonly results: ResultsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly turns: DirectoryTurns,
    private readonly attention: DirectoryAttention,
  ) {}

  async run(payload: { resultId: string; generation: number }, info: AttemptInfo, submitter: ListingSubmitter): Promise<string> {
    const begun = await this.begin(payload);
    if (begun.kind === 'done') return begun.result;
    const { ctx, started } = begun;
    const values = listingValues(ctx.customer, this.config.ARTIFACT_DIR);
    // What happened before this attempt's page: kept at the head of the attempt's log.
    let before: ResponseLogEntry[] = [];
    if (begun.verify) {
      let listed: boolean | undefined;
      try {
        listed = await submitter.isListed(ctx.directory, values);
      } catch (err) {
        return this.verifyFailed(ctx, info, err, started);
      }
      const checked = await this.verified(ctx, begun.orderStatus, listed, started);
      if ('done' in checked) return checked.done;
      before = checked.before;
    }
    // The irreversible click waits for this gate (the handshake is in the port: ClickGate).
    const gate = this.gate(ctx);
    let page: PageResult;
    try {
      const screenshotPath = screenshotPathOf(this.config.ARTIFACT_DIR, ctx);
      page = { outcome: await submitter.submit({ directory: ctx.directory, values, attempt: ctx.attempt, screenshotPath }, gate) };
    } catch (error) {
      page = { error };
    }
    return this.settle(ctx, info, page, gate.opened, started, before);
  }

  /**
   * Claims the row for an attempt. An earlier attempt that recorded `submitting` may click until
   * its deadline, and its click may be answered up to a step timeout later: only after both may
   * this attempt ask the directory (WaitUntil is thrown until then).
   */
  async begin(payload: { resultId: string; generation: number }): Promise<Begun> {
    const started = Date.now();
    const claim = await this.results.claim(payload.resultId, payload.generation, stepTimeoutMs(this.config));
    if (claim.kind === 'skip') return { kind: 'done', result: `skipped: ${claim.reason}` };
    if (claim.kind === 'busy') throw new WaitUntil(claim.until);
    crashPoint(this.config, 'worker.after-claim');
    if (claim.kind === 'uncertain') return { kind: 'attempt', ctx: claim.ctx, verify: true, orderStatus: claim.orderStatus, started };
    return { kind: 'attempt', ctx: claim.ctx, verify: false, started };
  }

  /** The click handshake of an attempt (see AttemptGate). */
  gate(ctx: Pick<AttemptContext, 'resultId' | 'token'>): AttemptGate {
    return new AttemptGate(this.results, ctx, this.config);
  }

  /**
   * What the directory said about an earlier, unanswered click: listed (submitted), cannot tell
   * (a question for staff), or not listed, when the attempt goes on (`before` heads its log)
   * unless the order was stopped meanwhile.
   */
  async verified(ctx: Settling, orderStatus: string | undefined, listed: boolean | undefined, started: number): Promise<{ done: string } | { before: ResponseLogEntry[] }> {
    const entry = this.entry(ctx, 'verified after an interrupted attempt', `listed: ${listed ?? 'unknown'}`);
    if (listed !== false) {
      const status = listed ? 'submitted' : 'needs_review';
      await this.results.finish(ctx, { status, log: [entry], durationMs: Date.now() - started, error: listed ? undefined : 'an earlier attempt may have submitted; the directory cannot say' });
      return { done: status };
    }
    // Not listed, and the order was stopped meanwhile: settle the row the way the stop would have.
    if (orderStatus === 'cancelled' || orderStatus === 'paused') {
      const status = orderStatus === 'cancelled' ? 'cancelled' : 'pending';
      await this.results.finish(ctx, { status, log: [entry], durationMs: Date.now() - started });
      return { done: `${status}: not listed, and the order is ${orderStatus}` };
    }
    return { before: [entry] };
  }

  /** Asking the directory about an earlier click broke: a dead browser gives the attempt back; anything else is thrown on. */
  async verifyFailed(ctx: Settling, info: AttemptInfo, err: unknown, started: number): Promise<never> {
    if (err instanceof BrowserFailed) return this.browserFailed(ctx, info, err, true, started);
    throw err;
  }

  /**
   * Records what the attempt's page came to. `clicked`: the gate was opened, so the attempt may
   * have clicked. Resolves to the row's new status when the queue entry is done; throws what the
   * queue must do otherwise (see queue-verdict.ts).
   */
  async settle(ctx: Settling, info: AttemptInfo, page: PageResult, clicked: boolean, started: number, before: ResponseLogEntry[] = []): Promise<string> {
    if ('error' in page) return this.settleError(ctx, info, page.error, clicked, started, before);
    const { outcome } = page;
    crashPoint(this.config, 'worker.after-submit');
    const base = { log: [...before, ...outcome.log], screenshotPath: outcome.screenshotPath, durationMs: Date.now() - started };
    // The form matched its adapter: the directory's count of missing targets starts again.
    if (outcome.kind !== 'error') await this.attention.worked(ctx.directory.id).catch(() => undefined);
    if (outcome.kind === 'submitted') {
      await this.results.finish(ctx, { ...base, status: 'submitted', reference: outcome.reference });
      crashPoint(this.config, 'worker.after-persist');
      return 'submitted';
    }
    if (outcome.kind === 'rejected') {
      await this.results.finish(ctx, { ...base, status: 'failed', error: outcome.message });
      throw new UnrecoverableError(`${ctx.directory.id} refused the listing: ${outcome.message}`);
    }
    // "Not now, come back after this": no worker of the fleet asks the directory again before
    // then, and this row waits, as a retry, without spending an attempt (bounded).
    if (outcome.retryAfterMs !== undefined) await this.turns.slowDown(ctx.directory.id, outcome.retryAfterMs).catch(() => undefined);
    if (outcome.retryAfterMs !== undefined && (info.retryAfters ?? 0) < MAX_RETRY_AFTERS) {
      const until = new Date(Date.now() + Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS));
      const waiting = this.entry(ctx, 'asked to come back later', `${outcome.message}; again after ${until.toISOString()}`);
      await this.results.finish(ctx, { ...base, log: [...base.log, waiting], status: 'retry', error: outcome.message });
      throw new RetryLater(until, `${ctx.directory.id}: ${outcome.message}; again after ${until.toISOString()}`);
    }
    // The site answered with an error it may not repeat: it did not take the listing.
    return this.retryOrFail(ctx, info, { ...base, status: 'retry', error: outcome.message }, false);
  }

  /** The attempt broke before the directory answered (see {@link settle}). */
  private async settleError(ctx: Settling, info: AttemptInfo, err: unknown, clicked: boolean, started: number, before: ResponseLogEntry[]): Promise<string> {
    if (err instanceof SubmitAborted) return `stopped before submitting: ${err.message}`;
    if (err instanceof BrowserFailed) return this.browserFailed(ctx, info, err, clicked, started);
    // Whether or not it clicked, the page is not to be tried again: the directory needs a look.
    if (err instanceof BlockedByPolicy) {
      await this.results.finish(ctx, { status: 'blocked_by_policy', log: err.log, error: err.message, durationMs: Date.now() - started });
      throw new UnrecoverableError(`${ctx.directory.id}: ${err.message}`);
    }
    // Stopped at the button: this attempt did not click, so a plain retry is safe.
    if (err instanceof ClickDeadlinePassed) clicked = false;
    const failed = err instanceof SubmissionFailed ? err : undefined;
    const message = (err as Error).message;
    // The form did not match its adapter. An attempt that pauses the directory, or finds it
    // paused, is given back: this row waits with the others until staff resume it.
    if (failed?.targetMissing && !clicked && (await this.attention.missed(ctx.directory.id, failed.targetMissing))) {
      await this.results.release(ctx, [...failed.log, this.entry(ctx, 'directory paused; not counted as an attempt', message)]);
      throw new DirectoryPaused(`the directory paused itself: ${failed.targetMissing} was not found`);
    }
    return this.retryOrFail(ctx, info, {
      status: clicked ? 'submitting' : 'retry',
      log: [...before, ...(failed?.log ?? [this.entry(ctx, 'error', message)])],
      screenshotPath: failed?.screenshotPath,
      error: message,
      durationMs: Date.now() - started,
    }, clicked);
  }

  /**
   * The worker's browser failed, not the directory: the row gets its attempt back and the
   * BrowserFailed goes on to the processor, which queues the entry again without spending a
   * BullMQ attempt. Bounded per queue entry: a page that kills every browser that opens it would
   * otherwise take down worker after worker for ever, so past BROWSER_FAILURES_BEFORE_EXIT
   * uncounted failures it counts like any other.
   */
  private async browserFailed(ctx: Settling, info: AttemptInfo, err: BrowserFailed, clicked: boolean, started: number): Promise<never> {
    const before = info.browserFailures ?? 0;
    if (before < this.config.BROWSER_FAILURES_BEFORE_EXIT) {
      await this.results.release(ctx, [...err.log, this.entry(ctx, "the worker's browser failed; not counted as an attempt", err.message)]);
      throw err;
    }
    return this.retryOrFail(ctx, info, {
      status: clicked ? 'submitting' : 'retry',
      log: [...err.log, this.entry(ctx, 'error', err.message)],
      error: `the browser failed under this directory ${before + 1} times: ${err.message}`,
      durationMs: Date.now() - started,
    }, clicked);
  }

  /** Records a failed attempt and throws so BullMQ retries it, or records the final failure. */
  private async retryOrFail(ctx: Settling, info: AttemptInfo, outcome: AttemptOutcome, clicked: boolean): Promise<never> {
    const last = info.attempt >= info.maxAttempts;
    // After the click with no answer, a blind resubmit could list the business twice: on the
    // last attempt that becomes a question for staff, before it the next attempt verifies.
    const status = !last ? outcome.status : clicked ? 'needs_review' : 'failed';
    await this.results.finish(ctx, { ...outcome, status });
    const reason = `${ctx.directory.id}: ${outcome.error ?? 'failed'}`;
    throw last ? new UnrecoverableError(reason) : new Error(reason);
  }

  private entry(ctx: Settling, event: string, detail?: string): ResponseLogEntry {
    return { at: new Date().toISOString(), attempt: ctx.attempt, event, detail };
  }
}
