import { UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../config/config.schema';
import type { AttemptContext, AttemptOutcome, Claim, ResultsService } from '../results/results.service';
import { BlockedByPolicy, BrowserFailed, ClickDeadlinePassed, ClickGate, ListingSubmitter, SubmissionFailed, SubmissionOutcome, SubmissionRequest } from '../engine/listing-submitter';
import type { DirectoryAttention } from './directory-attention';
import type { DirectoryTurns } from './directory-turns.service';
import { type AttemptInfo, DirectoryPaused, MAX_RETRY_AFTERS, RetryLater, WaitUntil } from './attempt-errors';
import { SubmissionService } from './submission.service';

const ctx = {
  resultId: '7',
  jobId: 'job-1',
  token: 'tok',
  attempt: 1,
  directory: { id: 'dir-1', name: 'Dir', submitUrl: 'http://dir/', adapter: {} },
  customer: { businessName: 'B', website: 'https://b.example' },
} as unknown as AttemptContext;

/** Records what the service writes; `claim` and `markSubmitting` answer as each test says. */
class FakeResults {
  finished: AttemptOutcome[] = [];
  released: unknown[][] = [];
  claimAs: Claim = { kind: 'claimed', ctx };
  allowSubmit = true;
  async claim() { return this.claimAs; }
  async markSubmitting() { return this.allowSubmit; }
  async finish(_: unknown, o: AttemptOutcome) { this.finished.push(o); return true; }
  async release(_: unknown, log: unknown[]) { this.released.push(log); return true; }
}

/** Pauses the directory at the `pauseAt`-th miss in a row, as DirectoryAttention does. */
class FakeAttention {
  misses = 0;
  worked = 0;
  constructor(private readonly pauseAt = 3) {}
  async missed() { return ++this.misses === this.pauseAt; }
  async worked_() { this.worked++; this.misses = 0; }
}

/** What the fake browser does with a request; it clicks (counted) by opening the gate. */
type Behaviour = (req: SubmissionRequest, gate: ClickGate) => Promise<SubmissionOutcome>;

class FakeSubmitter implements ListingSubmitter {
  clicks = 0;
  listed: boolean | undefined = undefined;
  constructor(private readonly behave: Behaviour) {}
  async submit(req: SubmissionRequest, gate: ClickGate) {
    return this.behave(req, { open: async () => { const deadline = await gate.open(); this.clicks++; return deadline; } });
  }
  async isListed() { return this.listed; }
}

/** The service with this test's submitter, as the processor runs it. */
class Runner {
  constructor(readonly inner: SubmissionService, readonly submitter: FakeSubmitter) {}
  run(payload: { resultId: string; generation: number }, info: AttemptInfo) {
    return this.inner.run(payload, info, this.submitter);
  }
}

const config = { ARTIFACT_DIR: '/tmp/artifacts', TEST_CRASH_AT: [], SUBMIT_LEASE_MS: 5000, SUBMIT_TIMEOUT_MS: 45000, BROWSER_FAILURES_BEFORE_EXIT: 3 } as unknown as AppConfig;
const first = { attempt: 1, maxAttempts: 3 };
const last = { attempt: 3, maxAttempts: 3 };

function setup(behave: Behaviour, attention = new FakeAttention()) {
  const results = new FakeResults();
  const submitter = new FakeSubmitter(behave);
  const attentionPort = { missed: () => attention.missed(), worked: () => attention.worked_() } as unknown as DirectoryAttention;
  const service = new Runner(new SubmissionService(results as unknown as ResultsService, config, { slowDown: async () => undefined } as unknown as DirectoryTurns, attentionPort), submitter);
  return { results, submitter, service, attention };
}

const clickThen = (outcome: SubmissionOutcome) => async (_req: SubmissionRequest, gate: ClickGate) => { await gate.open(); return outcome; };

describe('SubmissionService', () => {
  it('counts an attempt that found a target missing as an attempt, until the miss that pauses the directory: that one is given back', async () => {
    const missing = async (): Promise<SubmissionOutcome> => { throw new SubmissionFailed('locator.fill: Timeout', [], undefined, "getByLabel('Phone').first()"); };
    const attention = new FakeAttention(2);
    const s1 = setup(missing, attention);
    await expect(s1.service.run({ resultId: '7', generation: 1 }, first)).rejects.toThrow('locator.fill: Timeout');
    expect(s1.results.finished.map((o) => o.status)).toEqual(['retry']);
    const s2 = setup(missing, attention);
    await expect(s2.service.run({ resultId: '7', generation: 1 }, last)).rejects.toBeInstanceOf(DirectoryPaused);
    expect(s2.results.finished).toEqual([]);
    expect(s2.results.released).toHaveLength(1);
    expect(s2.submitter.clicks).toBe(0);
  });

  it('starts the count of missing targets again when the form worked', async () => {
    const { service, attention } = setup(clickThen({ kind: 'submitted', log: [] }));
    attention.misses = 2;
    await service.run({ resultId: '7', generation: 1 }, first);
    expect([attention.worked, attention.misses]).toEqual([1, 0]);
  });

  it('records an accepted listing as submitted', async () => {
    const { service, results, submitter } = setup(clickThen({ kind: 'submitted', log: [] }));
    await expect(service.run({ resultId: '7', generation: 1 }, first)).resolves.toBe('submitted');
    expect(results.finished.map((o) => o.status)).toEqual(['submitted']);
    expect(submitter.clicks).toBe(1);
  });

  it("keeps the success page's reference number with the result", async () => {
    const { service, results } = setup(clickThen({ kind: 'submitted', reference: 'BL-20931', log: [] }));
    await expect(service.run({ resultId: '7', generation: 1 }, first)).resolves.toBe('submitted');
    expect(results.finished).toMatchObject([{ status: 'submitted', reference: 'BL-20931' }]);
  });

  it('delays the entry by Retry-After without spending an attempt, even on the last one, a bounded number of times', async () => {
    const busy = { kind: 'error' as const, message: 'form page answered HTTP 429 (Retry-After 30 s)', retryAfterMs: 30_000, log: [] };
    const s1 = setup(async () => busy);
    const before = Date.now();
    const err = await s1.service.run({ resultId: '7', generation: 1 }, { ...last, retryAfters: MAX_RETRY_AFTERS - 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLater);
    expect((err as RetryLater).until.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(s1.results.finished).toMatchObject([{ status: 'retry', error: busy.message }]);
    expect(s1.results.finished[0].log.at(-1)).toMatchObject({ event: 'asked to come back later', detail: expect.stringContaining(busy.message) });
    // Past the bound it is an error like any other: on the last attempt, the row fails.
    const s2 = setup(async () => busy);
    await expect(s2.service.run({ resultId: '7', generation: 1 }, { ...last, retryAfters: MAX_RETRY_AFTERS })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(s2.results.finished.map((o) => o.status)).toEqual(['failed']);
  });

  it('fails at once, without retry, when the site refuses for good', async () => {
    const { service, results } = setup(clickThen({ kind: 'rejected', message: 'This business is already listed', log: [] }));
    await expect(service.run({ resultId: '7', generation: 1 }, first)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(results.finished).toMatchObject([{ status: 'failed', error: 'This business is already listed' }]);
  });

  it('retries a site error, and fails it on the last attempt', async () => {
    const s1 = setup(clickThen({ kind: 'error', message: 'server error: 500', log: [] }));
    const err = await s1.service.run({ resultId: '7', generation: 1 }, first).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(s1.results.finished.map((o) => o.status)).toEqual(['retry']);
    const s2 = setup(clickThen({ kind: 'error', message: 'server error: 500', log: [] }));
    await expect(s2.service.run({ resultId: '7', generation: 1 }, last)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(s2.results.finished.map((o) => o.status)).toEqual(['failed']);
  });

  it('leaves a crash after the click for verification, and for staff on the last attempt', async () => {
    const boom = async (_req: SubmissionRequest, gate: ClickGate): Promise<SubmissionOutcome> => { await gate.open(); throw new SubmissionFailed('page crashed', []); };
    const s1 = setup(boom);
    await expect(s1.service.run({ resultId: '7', generation: 1 }, first)).rejects.toThrow('page crashed');
    expect(s1.results.finished.map((o) => o.status)).toEqual(['submitting']);
    const s2 = setup(boom);
    await expect(s2.service.run({ resultId: '7', generation: 1 }, last)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(s2.results.finished.map((o) => o.status)).toEqual(['needs_review']);
  });

  it.each([
    ['before', false],
    ['after', true],
  ])('ends a page the egress proxy blocked %s the click as blocked_by_policy, without retry', async (_when, click) => {
    const { service, results } = setup(async (_req, gate) => {
      if (click) await gate.open();
      throw new BlockedByPolicy('127.0.0.1:9', 'not a catalogue origin', [{ at: 'now', attempt: 1, event: 'blocked by policy' }]);
    });
    await expect(service.run({ resultId: '7', generation: 1 }, first)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(results.finished).toMatchObject([
      { status: 'blocked_by_policy', error: 'blocked by policy: 127.0.0.1:9 (not a catalogue origin)', log: [{ event: 'blocked by policy' }] },
    ]);
  });

  it('retries a crash before the click as an ordinary retry', async () => {
    const { service, results } = setup(async () => { throw new Error('navigation timeout'); });
    await expect(service.run({ resultId: '7', generation: 1 }, first)).rejects.toThrow('navigation timeout');
    expect(results.finished.map((o) => o.status)).toEqual(['retry']);
  });

  it('never clicks when the order was paused or another attempt owns the row', async () => {
    const { service, results, submitter } = setup(clickThen({ kind: 'submitted', log: [] }));
    results.allowSubmit = false;
    await expect(service.run({ resultId: '7', generation: 1 }, first)).resolves.toMatch(/stopped before submitting/);
    expect(submitter.clicks).toBe(0);
    expect(results.finished).toEqual([]);
  });

  it('does nothing for a row PostgreSQL says is done', async () => {
    const { service, results, submitter } = setup(clickThen({ kind: 'submitted', log: [] }));
    results.claimAs = { kind: 'skip', reason: 'already submitted' };
    await expect(service.run({ resultId: '7', generation: 1 }, first)).resolves.toBe('skipped: already submitted');
    expect(submitter.clicks).toBe(0);
  });

  it.each([
    ['cancelled', 'cancelled'],
    ['paused', 'pending'],
  ])('settles an interrupted row of a %s order as %s when the directory says not listed, without clicking', async (orderStatus, status) => {
    const { service, results, submitter } = setup(clickThen({ kind: 'submitted', log: [] }));
    results.claimAs = { kind: 'uncertain', ctx, orderStatus };
    submitter.listed = false;
    await service.run({ resultId: '7', generation: 1 }, first);
    expect(results.finished.map((o) => o.status)).toEqual([status]);
    expect(submitter.clicks).toBe(0);
  });

  it('waits, without touching the row, while an earlier attempt may still be submitting', async () => {
    const { service, results, submitter } = setup(clickThen({ kind: 'submitted', log: [] }));
    const until = new Date(Date.now() + 10_000);
    results.claimAs = { kind: 'busy', until };
    await expect(service.run({ resultId: '7', generation: 1 }, first)).rejects.toEqual(new WaitUntil(until));
    expect(results.finished).toEqual([]);
    expect(submitter.clicks).toBe(0);
  });

  it('treats a click deadline that passed (a frozen worker) as no click: a plain retry', async () => {
    const { service, results } = setup(async (_req, gate) => {
      await gate.open();
      throw new ClickDeadlinePassed();
    });
    await expect(service.run({ resultId: '7', generation: 1 }, last)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(results.finished.map((o) => o.status)).toEqual(['failed']);
  });

  it.each([
    ['before', false],
    ['after', true],
  ])("gives the row its attempt back when the worker's browser dies %s the click, recording nothing final", async (_when, click) => {
    const { service, results } = setup(async (_req, gate) => {
      if (click) await gate.open();
      throw new BrowserFailed('Chromium went away during the attempt', [{ at: 'now', attempt: 1, event: 'navigated' }]);
    });
    await expect(service.run({ resultId: '7', generation: 1 }, { ...last, browserFailures: 2 })).rejects.toBeInstanceOf(BrowserFailed);
    expect(results.finished).toEqual([]);
    expect(results.released).toMatchObject([[{ event: 'navigated' }, { event: "the worker's browser failed; not counted as an attempt" }]]);
  });

  it('gives the attempt back when the browser dies while an interrupted attempt is verified', async () => {
    const { service, results } = setup(clickThen({ kind: 'submitted', log: [] }));
    results.claimAs = { kind: 'uncertain', ctx, orderStatus: 'running' };
    service['submitter'].isListed = async () => { throw new BrowserFailed('Chromium did not start'); };
    await expect(service.run({ resultId: '7', generation: 1 }, first)).rejects.toBeInstanceOf(BrowserFailed);
    expect(results.finished).toEqual([]);
    expect(results.released).toHaveLength(1);
  });

  it('counts a browser failure like any other once the queue entry has had BROWSER_FAILURES_BEFORE_EXIT uncounted ones', async () => {
    const { service, results } = setup(async () => { throw new BrowserFailed('Chromium went away during the attempt'); });
    const err = await service.run({ resultId: '7', generation: 1 }, { ...first, browserFailures: 3 }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(BrowserFailed);
    expect(results.released).toEqual([]);
    expect(results.finished).toMatchObject([{ status: 'retry', error: 'the browser failed under this directory 4 times: Chromium went away during the attempt' }]);
  });

  it.each([
    [true, 'submitted', 0],
    [undefined, 'needs_review', 0],
    [false, 'submitted', 1],
  ])('after an interrupted attempt, a directory that says listed=%s ends %s with %d new click(s)', async (listed, status, clicks) => {
    const { service, results, submitter } = setup(clickThen({ kind: 'submitted', log: [] }));
    results.claimAs = { kind: 'uncertain', ctx, orderStatus: 'running' };
    submitter.listed = listed;
    await service.run({ resultId: '7', generation: 1 }, first);
    expect(results.finished.map((o) => o.status)).toEqual([status]);
    expect(submitter.clicks).toBe(clicks);
    expect(results.finished[0].log[0]).toMatchObject({ event: 'verified after an interrupted attempt', detail: `listed: ${listed ?? 'unknown'}` });
  });
});
