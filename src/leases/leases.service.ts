import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import type { Caller } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import { listingValues } from '../customers/listing-values';
import { fieldsUsed } from '../directories/definition/fields-used';
import { stepTimeoutMs } from '../engine/timeouts';
import { SubmitAborted } from '../engine/listing-submitter';
import { queueFor } from '../queue/queue.constants';
import type { AttemptContext } from '../results/results.service';
import { ResultsService } from '../results/results.service';
import { DirectoryCredentials } from '../workers/directory-credentials';
import { DirectoryTurns } from '../workers/directory-turns.service';
import { SubmissionService } from '../workers/submission.service';
import type { HeartbeatDto, LeaseRequestDto, SubmittingDto } from './dto/lease.dto';
import { type Entry, LeaseQueue } from './lease-queue';
import { LeaseStore } from './lease-store';
import { LeaseRedactor } from './lease-redactor';
import { RemoteFleet } from './remote-fleet';
import type { HeartbeatResponse, Lease, SubmittingResponse } from './protocol';
import { type WorkerLease } from './worker-lease.entity';
import { expired, logLines } from './lease-checks';

/** Entries looked at per lease wanted: some are not for this worker (they go back) or not due. */
const LOOKS_PER_LEASE = 3;
/** How long an entry this worker cannot do waits before it is offered again (a fleet worker may take it meanwhile). */
const NOT_FOR_THIS_WORKER_MS = 1000;

/**
 * Leasing submissions to workers that hold only an API key, and their heartbeats and click
 * handshakes (reports are LeaseReports'). Every step is the fleet's own: DirectoryTurns admits,
 * SubmissionService claims, the AttemptGate records the click, the queue entry is BullMQ's.
 */
@Injectable()
export class LeasesService {
  private readonly logger = new Logger(LeasesService.name);

  constructor(
    private readonly store: LeaseStore,
    private readonly queue: LeaseQueue,
    private readonly submissions: SubmissionService,
    private readonly turns: DirectoryTurns,
    private readonly results: ResultsService,
    private readonly credentials: DirectoryCredentials,
    private readonly fleet: RemoteFleet,
    private readonly redactor: LeaseRedactor,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async lease(caller: Caller, req: LeaseRequestDto): Promise<Lease[]> {
    const cap = this.config.WORKER_MAX_LEASES_PER_KEY;
    const room = cap - (await this.store.openCount(caller.keyId));
    if (room <= 0) throw new ProblemException('leases-limit', `This key holds ${cap} leases, the most it may (WORKER_MAX_LEASES_PER_KEY): complete or fail one, then lease again.`);
    const want = Math.min(req.max, room);
    const leases: Lease[] = [];
    // A person at the browser takes only what needs one; every other worker, only what does not.
    const queue = queueFor(req.capabilities.includes('assisted'));
    for (let looked = 0; leases.length < want && looked < want * LOOKS_PER_LEASE; looked++) {
      const token = randomUUID();
      const entry = await this.queue.next(queue, token);
      if (!entry) break;
      const lease = await this.admit(entry, token, caller, req).catch((err: unknown) => {
        this.logger.warn(`${entry.id}: not leased: ${(err as Error).message}`);
        return undefined;
      });
      if (lease === 'full') break;
      if (lease) leases.push(lease);
    }
    await this.fleet.beat(caller, req.worker);
    return leases;
  }

  /** One entry for this worker: leased, or handed back to the queue as the fleet's processor would. */
  private async admit(entry: Entry, token: string, caller: Caller, req: LeaseRequestDto): Promise<Lease | 'full' | undefined> {
    const { directoryId, resultId, jobId } = entry.data;
    const state = await this.turns.stateOf(directoryId);
    // Its directory's definition changed sides since the entry was queued: to the queue it now belongs in.
    if (queueFor(state.assisted) !== entry.queueName) {
      await this.queue.move(entry, token, queueFor(state.assisted));
      return undefined;
    }
    const mayOpen = caller.scopes.includes('worker:credentials') && req.capabilities.includes('credentials');
    // Not for this worker (a sign-in it may not hold, a logo it cannot read): back, uncounted and
    // behind the others of its priority, so that it cannot stand in front of work this worker can do.
    if (state.uploadsLogo || (state.signsIn && !mayOpen)) {
      await this.queue.delay(entry, token, Date.now() + NOT_FOR_THIS_WORKER_MS);
      return undefined;
    }
    let holder: string | undefined;
    try {
      const admitted = await this.turns.admit(directoryId, entry.id!, entry.priority || (entry.opts.priority ?? 0), entry.timestamp);
      if ('until' in admitted) {
        if (admitted.note) await this.results.note(resultId, jobId, admitted.note.event, admitted.note.detail);
        await this.queue.delay(entry, token, admitted.until);
        return undefined;
      }
      holder = admitted.holder;
      const begun = await this.submissions.begin(entry.data);
      if (begun.kind === 'done') {
        await this.queue.settle(entry, token, { done: begun.result }, this.results);
        await this.turns.release(directoryId, holder);
        return undefined;
      }
      const { ctx } = begun;
      // Everything that may fail before the lease is recorded: a lease is never recorded that its worker does not get.
      const credentials = state.signsIn ? await this.credentials.open(directoryId) : undefined;
      const row = await this.store.insert(
        { keyId: caller.keyId, worker: req.worker, resultId, jobId, directoryId, queue: queueFor(state.assisted), queueEntryId: entry.id!, queueToken: token, token: ctx.token, kind: begun.verify ? 'verify' : 'submit', attempt: ctx.attempt, orderStatus: begun.orderStatus ?? 'running', turnHolder: holder },
        this.config.WORKER_LEASE_MS,
        this.config.WORKER_MAX_LEASES_PER_KEY,
      );
      if (!row) {
        // Another lease call of this key took the last place meanwhile: nothing happened to the row.
        await this.results.release(ctx, []);
        await this.queue.giveBack(entry, token);
        await this.turns.release(directoryId, holder);
        return 'full';
      }
      return this.describe(row, ctx, credentials);
    } catch (err) {
      if (holder) await this.turns.release(directoryId, holder).catch(() => undefined);
      await this.queue.settle(entry, token, { error: err }, this.results);
      return undefined;
    }
  }

  /** What the worker is handed: the definition, the customer's values it uses and nothing more. */
  private describe(row: WorkerLease, ctx: AttemptContext, credentials: Record<string, string> | undefined): Lease {
    const all = listingValues(ctx.customer, this.config.ARTIFACT_DIR);
    const used = fieldsUsed(ctx.directory.adapter);
    const values = Object.fromEntries(Object.entries(all).filter(([name]) => name !== 'logo' && (!used || used.has(name))));
    const { id, name, submitUrl, adapter } = ctx.directory;
    return {
      id: row.id,
      token: row.token,
      kind: row.kind,
      expiresAt: row.expiresAt.toISOString(),
      heartbeatMs: Math.floor(this.config.WORKER_LEASE_MS / 3),
      attempt: row.attempt,
      directory: { id, name, submitUrl, adapter },
      values,
      ...(credentials ? { credentials: { ...credentials } } : {}),
    };
  }

  /** The lease if `token` still holds it; 404 for another key's, 409 lease-expired when it no longer holds. */
  async held(caller: Caller, id: string, token: string): Promise<WorkerLease> {
    return this.holds(await this.store.find(caller.keyId, id), id, token);
  }

  /** {@link held} of a lease already read (null: none of this key's). */
  async holds(lease: WorkerLease | null, id: string, token: string): Promise<WorkerLease> {
    if (!lease) throw new ProblemException(404, `No lease ${id} is held by this key.`);
    if (lease.token !== token || lease.state !== 'active') throw expired(lease.state === 'active' ? 'the token is not this lease\'s' : `the lease is ${lease.state}`);
    if (lease.expiresAt.getTime() <= Date.now()) {
      await this.end(lease, 'expired');
      throw expired('the lease ran out without a heartbeat');
    }
    return lease;
  }

  async heartbeat(caller: Caller, id: string, body: HeartbeatDto): Promise<HeartbeatResponse> {
    const lease = await this.held(caller, id, body.token);
    const entry = await this.queue.entry(lease.queue, lease.queueEntryId);
    // Never shorter than it is: after `submitting` the lease already outlasts the click.
    const lockMs = Math.max(this.config.WORKER_LEASE_MS, lease.expiresAt.getTime() - Date.now());
    if (!entry || !(await this.queue.extend(entry, lease.queueToken, lockMs))) return this.lost(lease);
    const redact = await this.redactor.for(lease.directoryId);
    const expiresAt = await this.store.extend(lease, this.config.WORKER_LEASE_MS, redact.text(body.progress), redact.lines(logLines(lease.attempt, body.log)));
    if (!expiresAt) throw expired('the lease ended meanwhile');
    await this.turns.renew(lease.directoryId, lease.turnHolder).catch(() => undefined);
    await this.fleet.beat(caller, { id: lease.workerId, kind: lease.workerKind, version: lease.workerVersion });
    return { expiresAt: expiresAt.toISOString() };
  }

  /**
   * Right before the irreversible click: the same handshake as the fleet's workers (the row
   * records `submitting` until the click lease runs out). Refused (409) when the order was
   * paused or cancelled or a newer attempt owns the row; the lease is settled then, as an
   * attempt stopped before it submitted.
   */
  async submitting(caller: Caller, id: string, body: SubmittingDto): Promise<SubmittingResponse> {
    const lease = await this.held(caller, id, body.token);
    if (lease.kind !== 'submit') throw new ProblemException(409, 'A verify lease never submits: complete it with listed.');
    if (lease.clickBy) return { clickBy: lease.clickBy.toISOString(), expiresAt: lease.expiresAt.toISOString() };
    let clickBy: Date;
    try {
      clickBy = new Date(await this.submissions.gate({ resultId: lease.resultId, token: lease.token }).open());
    } catch (err) {
      if (!(err instanceof SubmitAborted)) throw err;
      await this.stopped(lease, err.message);
      throw new ProblemException(409, `Do not click: ${err.message}. The lease is settled; drop it.`);
    }
    // The lease outlasts the click and its answer, so the report can still come.
    const until = new Date(clickBy.getTime() + stepTimeoutMs(this.config) + this.config.WORKER_LEASE_MS);
    const entry = await this.queue.entry(lease.queue, lease.queueEntryId);
    if (!entry || !(await this.queue.extend(entry, lease.queueToken, until.getTime() - Date.now()))) return this.lost(lease);
    const expiresAt = await this.store.clicked(lease, clickBy, until);
    if (!expiresAt) throw expired('the lease ended meanwhile');
    return { clickBy: clickBy.toISOString(), expiresAt: expiresAt.toISOString() };
  }

  /** The attempt stopped before its click (the order was stopped): its entry is done, its lease settled. */
  private async stopped(lease: WorkerLease, why: string): Promise<void> {
    if (!(await this.store.settling(lease, { stopped: why }))) return;
    const entry = await this.queue.entry(lease.queue, lease.queueEntryId);
    if (entry) await this.queue.settle(entry, lease.queueToken, { done: `stopped before submitting: ${why}` }, this.results).catch(() => undefined);
    await this.turns.release(lease.directoryId, lease.turnHolder).catch(() => undefined);
    await this.store.settled(lease, { status: await this.store.rowStatus(lease.resultId), detail: `stopped before submitting: ${why}` });
  }

  /** BullMQ no longer holds the entry for this lease (it stalled and went back): the lease is over. */
  private async lost(lease: WorkerLease): Promise<never> {
    await this.end(lease, 'expired');
    throw expired('the submission went back to the queue');
  }

  /** Ends an active lease and frees its directory turn (once: ending is conditional). */
  async end(lease: Pick<WorkerLease, 'id' | 'directoryId' | 'turnHolder'>, state: 'expired' | 'revoked'): Promise<boolean> {
    if (!(await this.store.end(lease.id, state))) return false;
    await this.turns.release(lease.directoryId, lease.turnHolder).catch(() => undefined);
    return true;
  }
}
