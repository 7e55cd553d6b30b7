import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import type { Caller } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import type { ResponseLogEntry } from '../common/response-log';
import { screenshotPathOf } from '../evidence/screenshots';
import { BrowserFailed, ClickDeadlinePassed, SubmissionFailed, type SubmissionOutcome } from '../engine/listing-submitter';
import { ResultsService } from '../results/results.service';
import { type AttemptInfo, attemptInfoOf, WaitUntil } from '../workers/attempt-errors';
import { DirectoryTurns } from '../workers/directory-turns.service';
import { type PageResult, type Settling, SubmissionService } from '../workers/submission.service';
import type { CompleteDto, FailDto } from './dto/lease.dto';
import { expired, logLines, sameReport } from './lease-checks';
import { LeaseQueue } from './lease-queue';
import { LeaseRedactor } from './lease-redactor';
import { LeaseStore } from './lease-store';
import { LeasesService } from './leases.service';
import type { SettledResponse } from './protocol';
import type { WorkerLease } from './worker-lease.entity';

type Report = { complete: CompleteDto } | { fail: FailDto };

/**
 * What a leased attempt came to, as its worker reports it: `complete` (the directory's answer),
 * `fail` (the attempt broke), and the screenshot that goes with either. Settled by the same
 * SubmissionService rules as the fleet's own attempts; whether the attempt may have clicked is
 * what the lease recorded (`submitting`), never what the worker says. A report is kept with its
 * answer: the same report again answers the same, a different one is 409.
 */
@Injectable()
export class LeaseReports {
  private readonly logger = new Logger(LeaseReports.name);

  constructor(
    private readonly leases: LeasesService,
    private readonly store: LeaseStore,
    private readonly queue: LeaseQueue,
    private readonly submissions: SubmissionService,
    private readonly results: ResultsService,
    private readonly turns: DirectoryTurns,
    private readonly redactor: LeaseRedactor,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async screenshot(caller: Caller, id: string, token: string, bytes: Buffer): Promise<void> {
    const lease = await this.leases.held(caller, id, token);
    const path = screenshotPathOf(this.config.ARTIFACT_DIR, { jobId: lease.jobId, attempt: lease.attempt, directory: { id: lease.directoryId } });
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    if (!(await this.store.screenshot(lease, path))) throw expired('the lease ended meanwhile');
  }

  complete(caller: Caller, id: string, body: CompleteDto): Promise<SettledResponse> {
    return this.report(caller, id, { complete: body });
  }

  fail(caller: Caller, id: string, body: FailDto): Promise<SettledResponse> {
    return this.report(caller, id, { fail: body });
  }

  private async report(caller: Caller, id: string, report: Report): Promise<SettledResponse> {
    const body = 'complete' in report ? report.complete : report.fail;
    const found = await this.store.find(caller.keyId, id);
    if (found && found.token === body.token && (found.state === 'settled' || found.state === 'settling')) return this.repeated(found, report);
    const lease = await this.leases.holds(found, id, body.token);
    if ('complete' in report) this.checkFits(lease, report.complete);
    if (!(await this.store.settling(lease, report))) {
      const now = await this.store.find(caller.keyId, id);
      if (now && (now.state === 'settled' || now.state === 'settling')) return this.repeated(now, report);
      throw expired('the lease ended meanwhile');
    }
    try {
      return await this.settle(lease, report);
    } catch (err) {
      // Nothing the report changed is lost by hearing it again: every write is fenced by the token.
      await this.store.unsettle(lease).catch(() => undefined);
      throw err;
    }
  }

  private async repeated(lease: WorkerLease, report: Report): Promise<SettledResponse> {
    if (!sameReport(lease.report, report)) throw new ProblemException('lease-settled-otherwise', 'This lease was already settled with a different report; the first report stands.');
    if (lease.state === 'settling' || !lease.answer) throw new ProblemException('idempotency-in-progress', 'This report is being settled right now; send it again shortly for its answer.');
    return lease.answer;
  }

  private checkFits(lease: WorkerLease, c: CompleteDto): void {
    if (lease.kind === 'submit' && !c.outcome) throw new ProblemException(400, 'A submit lease is completed with outcome (submitted, or refused with a reason).', [{ field: 'outcome', messages: ['outcome is required for a submit lease'] }]);
    if (lease.kind === 'verify' && (c.outcome || c.listed === undefined)) throw new ProblemException(400, 'A verify lease is completed with listed (true, false or null), never with an outcome.', [{ field: 'listed', messages: ['listed is required for a verify lease, and outcome is not allowed'] }]);
    if (lease.kind === 'submit' && c.outcome?.result === 'submitted' && !lease.clickBy) {
      throw new ProblemException(409, 'Submitted without asking: call submitting before the click, and click only when it says so.');
    }
  }

  private async settle(lease: WorkerLease, report: Report): Promise<SettledResponse> {
    const entry = await this.queue.entry(lease.queue, lease.queueEntryId);
    if (!entry) throw expired('the submission went back to the queue');
    const info = attemptInfoOf(entry);
    const ctx: Settling = { resultId: lease.resultId, jobId: lease.jobId, token: lease.token, attempt: lease.attempt, directory: { id: lease.directoryId } };
    // The row's log says who ran the attempt, then what that worker saw.
    const by = { at: lease.createdAt.toISOString(), attempt: lease.attempt, event: 'leased to a remote worker', detail: `${lease.workerId} (${lease.workerKind} ${lease.workerVersion}), lease ${lease.id}` };
    const redact = await this.redactor.for(lease.directoryId);
    const log = [by, ...redact.lines(logLines(lease.attempt, ('complete' in report ? report.complete : report.fail).log))];
    const started = lease.createdAt.getTime();
    let settled: { done: string } | { error: unknown };
    try {
      settled = { done: lease.kind === 'verify' ? await this.settleVerify(lease, ctx, info, report, log, started) : await this.submissions.settle(ctx, info, this.pageResult(lease, report, log, redact.text), lease.clickBy !== null, started) };
    } catch (error) {
      settled = { error };
    }
    // The row is settled; the entry follows. Should its lock be gone meanwhile, BullMQ hands the
    // entry back, and its next claim finds the row final and skips it.
    await this.queue.settle(entry, lease.queueToken, settled, this.results).catch((err: unknown) => this.logger.warn(`${entry.id}: entry not moved: ${(err as Error).message}`));
    await this.turns.release(lease.directoryId, lease.turnHolder).catch(() => undefined);
    const answer = { status: await this.store.rowStatus(lease.resultId), detail: 'done' in settled ? settled.done : (settled.error as Error).message };
    await this.store.settled(lease, answer);
    return answer;
  }

  /** The worker's report in the terms of the fleet's own submitter (SubmissionOutcome, or what it throws). */
  private pageResult(lease: WorkerLease, report: Report, log: ResponseLogEntry[], redact: <T extends string | undefined>(t: T) => T): PageResult {
    const screenshotPath = lease.screenshotPath ?? undefined;
    if ('fail' in report) {
      const f = report.fail;
      const message = redact(f.message);
      if (f.kind === 'browser') return { error: new BrowserFailed(message, log) };
      // "Not clicked" is believed only of an attempt whose click the API never allowed: after
      // `submitting` it may have clicked, whatever it says, and the next attempt verifies.
      if (f.kind === 'deadline' && !lease.clickBy) return { error: new ClickDeadlinePassed() };
      return { error: new SubmissionFailed(message, log, screenshotPath, f.kind === 'target_missing' ? redact(f.target) : undefined) };
    }
    const o = report.complete.outcome!;
    const outcome: SubmissionOutcome =
      o.result === 'submitted'
        ? { kind: 'submitted', reference: redact(o.reference), log, screenshotPath }
        : { kind: o.retryable ? 'error' : 'rejected', message: redact(o.reason), retryAfterMs: o.retryAfterMs, log, screenshotPath };
    return { outcome };
  }

  /**
   * A verify lease's answer. Not listed, with the order still running: the row leaves
   * `submitting` as a retry and its entry comes straight back, uncounted, for a plain submission.
   */
  private async settleVerify(lease: WorkerLease, ctx: Settling, info: AttemptInfo, report: Report, log: ResponseLogEntry[], started: number): Promise<string> {
    // A page that broke cannot tell, as in the fleet (askListed): staff are asked. A dead browser gives the attempt back.
    if ('fail' in report && report.fail.kind === 'browser') return this.submissions.verifyFailed(ctx, info, new BrowserFailed(report.fail.message, log), started);
    const listed = 'fail' in report ? undefined : (report.complete.listed ?? undefined);
    // The order as it is now, not as it was when the lease began: a stop meanwhile settles the row the stop's way.
    const checked = await this.submissions.verified(ctx, await this.store.orderStatus(lease.jobId), listed, started);
    if ('done' in checked) return checked.done;
    await this.results.finish(ctx, { status: 'retry', log: [...log, ...checked.before], durationMs: Date.now() - started, error: 'not listed after an interrupted attempt: submitted again next' });
    throw new WaitUntil(new Date());
  }
}
