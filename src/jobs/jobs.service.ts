import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, pageOf } from '../common/cursor';
import { crashPoint } from '../common/crash-point';
import { isDirectoryId } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Dispatcher } from '../dispatch/dispatcher.service';
import { LivePublisher } from '../live/live-publisher';
import { Caller, type Reach, reachOf } from '../auth/caller';
import { JobResult } from '../orders/job-result.entity';
import { resultView } from '../orders/result-view';
import { EVIDENCE_STORE, type Evidence, type EvidenceStore } from '../evidence/evidence-store';
import { CreateJobDto } from './dto/create-job.dto';
import { ListJobsDto } from './dto/list-jobs.dto';
import { requestHash } from './idempotency';
import { Job } from '../orders/job.entity';
import { JobView, jobView } from '../orders/job-view';
import { openOrder } from '../orders/ledger';
import { openOrdersLimitProblem } from './open-order-limit';
import { OPEN_JOB_STATUSES } from '../orders/statuses';
import { currentTraceParent } from '../tracing/spans';

@Injectable()
export class JobsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dispatcher: Dispatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: LivePublisher,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {}

  /**
   * Creates an order and its planned per-directory results, with the outbox entry that will put
   * them on the queue, in one statement (openOrder): atomic by itself, so a plain request needs no
   * transaction around it. Answers once PostgreSQL has committed, Redis or not.
   *
   * With an Idempotency-Key a transaction first takes an advisory lock on the key: a concurrent
   * request with the same key gets 409 at once instead of queueing behind it; a later one finds the
   * stored response and gets it back unchanged (or 422 when its body differs). Keys are scoped
   * per API key: two clients that happen to pick the same key do not meet.
   *
   * An account's key may not take its account past MAX_OPEN_ORDERS_PER_ACCOUNT open orders (429);
   * a replay is not a new order and is answered whatever the count.
   */
  async create(
    dto: CreateJobDto,
    caller: Caller,
    { idempotencyKey, requestId }: { idempotencyKey?: string; requestId: string },
  ): Promise<{ status: number; body: JobView; replayed: boolean }> {
    if (dto.packageSize !== undefined && dto.directoryIds !== undefined) {
      throw new ProblemException(400, 'send either packageSize or directoryIds, not both', [
        { field: 'packageSize', messages: ['packageSize and directoryIds are exclusive'] },
      ]);
    }
    const reach = reachOf(caller);
    const result = idempotencyKey
      ? await this.createOnce(dto, reach, requestId, caller.keyId, idempotencyKey)
      : { status: 201, body: jobView(await this.open(this.db.manager, dto, reach, requestId)), replayed: false };
    crashPoint(this.config, 'api.after-commit');
    if (!result.replayed && result.body.status === 'queued') this.dispatcher.poke();
    if (!result.replayed) this.live.publish({ jobId: result.body.id });
    return result;
  }

  /** The order and its Idempotency-Key's stored response in one transaction, or the response stored before. */
  private createOnce(dto: CreateJobDto, reach: Reach, requestId: string, scope: string, key: string) {
    const hash = requestHash(dto);
    return this.db.transaction(async (m) => {
      const replay = await this.lockKey(m, scope, key, hash);
      if (replay) return replay;
      const job = jobView(await this.open(m, dto, reach, requestId, key));
      await m.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, job_id, response_status, response_body) VALUES ($1, $2, $3, $4, 201, $5)`,
        [scope, key, hash, job.id, JSON.stringify(job)],
      );
      return { status: 201, body: job, replayed: false };
    });
  }

  /** Holds the key for this transaction; returns the stored response if the key was used before. */
  private async lockKey(m: EntityManager, scope: string, key: string, hash: string) {
    // Keys hold no spaces, so "scope key" names one key unambiguously.
    const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [`${scope} ${key}`]);
    if (!locked) throw new ProblemException('idempotency-in-progress', 'a request with this Idempotency-Key is still in progress; retry shortly');
    const [row]: Array<{ request_hash: string; response_status: number; response_body: JobView }> = await m.query(
      `SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new ProblemException('idempotency-key-reused', 'this Idempotency-Key was already used with a different request body; use a new key');
    }
    return { status: row.response_status, body: row.response_body, replayed: true };
  }

  /** Opens the order, or answers 404 (the customer), 422 (the directories) or 429 (the open-order limit) having written nothing. */
  private async open(m: EntityManager, dto: CreateJobDto, reach: Reach, requestId: string, idempotencyKey?: string): Promise<Job> {
    const opened = await openOrder(m, {
      customerId: dto.customerId,
      accountId: reach.kind === 'account' ? reach.accountId : null,
      directoryIds: dto.directoryIds ?? null,
      packageSize: dto.packageSize ?? null,
      priority: dto.priority ?? 3,
      awaitApproval: this.config.REQUIRE_APPROVAL,
      idempotencyKey: idempotencyKey ?? null,
      requestId,
      traceParent: currentTraceParent(),
      openLimit: reach.kind === 'account' ? { accountId: reach.accountId, max: this.config.MAX_OPEN_ORDERS_PER_ACCOUNT, statuses: OPEN_JOB_STATUSES } : null,
    });
    if ('job' in opened) return opened.job;
    if ('refused' in opened) throw openOrdersLimitProblem(opened.open, this.config.MAX_OPEN_ORDERS_PER_ACCOUNT);
    if (opened.missing === 'customer') throw new ProblemException(404, `customer ${dto.customerId} not found`);
    if (dto.directoryIds) {
      const enabled = new Set(opened.enabled);
      const unknown = dto.directoryIds.filter((id) => !enabled.has(id));
      throw new ProblemException(422, `unknown or disabled directories: ${unknown.slice(0, 20).join(', ')}`, [
        { field: 'directoryIds', messages: [`${unknown.length} id(s) are not enabled directories; see GET /api/v1/directories`] },
      ]);
    }
    const size = dto.packageSize as number;
    const found = opened.enabled.length;
    throw new ProblemException(422, `a ${size}-directory package needs ${size} enabled directories; only ${found} exist`, [
      { field: 'packageSize', messages: [`at most ${found} directories are available`] },
    ]);
  }

  /** 404 alike for a missing job and another account's. */
  async get(id: string, reach: Reach): Promise<JobView> {
    const qb = this.db.getRepository(Job).createQueryBuilder('j').where('j.id = :id', { id });
    withinReach(qb, reach);
    const job = await qb.getOne();
    if (!job) throw new ProblemException(404, `job ${id} not found`);
    return jobView(job);
  }

  async list(q: ListJobsDto, reach: Reach) {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor);
    const qb = this.db.getRepository(Job).createQueryBuilder('j').orderBy('j.created_at', 'DESC').addOrderBy('j.id', 'DESC').limit(limit + 1);
    withinReach(qb, reach);
    if (q.status) qb.andWhere('j.status = :status', { status: q.status });
    if (q.outcome) qb.andWhere('j.outcome = :outcome', { outcome: q.outcome });
    if (q.customerId) qb.andWhere('j.customer_id = :customerId', { customerId: q.customerId });
    if (after) qb.andWhere('(j.created_at, j.id) < (:createdAt, :id)', after);
    const page = pageOf(await qb.getMany(), limit);
    return { items: page.items.map(jobView), nextCursor: page.nextCursor };
  }

  /** The live-feed shape of an order's rows (or only `ids` of them): no logs, no fencing token. */
  resultSummaries(jobId: string, ids?: string[]): Promise<object[]> {
    return this.db.query(
      `SELECT id::text, directory_id AS "directoryId", status, attempts, error_message AS "errorMessage",
              started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs"
         FROM job_results WHERE job_id = $1 AND ($2::bigint[] IS NULL OR id = ANY($2)) ORDER BY id`,
      [jobId, ids ?? null],
    );
  }

  async results(id: string, reach: Reach) {
    await this.get(id, reach);
    const rows = await this.db.getRepository(JobResult).find({ where: { jobId: id }, order: { id: 'ASC' } });
    return { items: rows.map(resultView) };
  }

  /**
   * The screenshot file of one directory of an order, seen as its results are (another account's
   * order is a 404, like a missing one), and only from under ARTIFACT_DIR.
   */
  async screenshot(id: string, directoryId: string, reach: Reach): Promise<Evidence> {
    await this.get(id, reach);
    const none = new ProblemException(404, `directory ${directoryId} of job ${id} has no screenshot`);
    if (!isDirectoryId(directoryId)) throw none;
    const row = await this.db.getRepository(JobResult).findOne({ select: { screenshotPath: true }, where: { jobId: id, directoryId } });
    const evidence = row?.screenshotPath ? await this.evidence.open(row.screenshotPath) : undefined;
    if (!evidence) throw none;
    return evidence;
  }
}

/** Limits a query of jobs (alias `j`) to the orders of the reach's account. */
function withinReach(qb: SelectQueryBuilder<Job>, reach: Reach): void {
  if (reach.kind === 'account') qb.innerJoin('customers', 'c', 'c.id = j.customer_id AND c.account_id = :account', { account: reach.accountId });
}
