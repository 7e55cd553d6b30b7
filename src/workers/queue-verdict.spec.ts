import { BrowserFailed } from '../engine/listing-submitter';
import type { SubmitListingPayload } from '../queue/queue.constants';
import { DirectoryPaused, RetryLater, WaitUntil } from './attempt-errors';
import { verdictOf } from './queue-verdict';

const data = { resultId: '1', jobId: 'j', directoryId: 'd', generation: 1 } as SubmitListingPayload;

describe('verdictOf', () => {
  it('sends an entry whose row may still be answered back to the queue until then, instead of holding a slot', () => {
    const until = new Date(Date.now() + 30_000);
    const v = verdictOf(new WaitUntil(until), data);
    expect(v).toEqual({ kind: 'delay', reason: 'verify_later', until: until.getTime() + 100, keepPlace: true });
  });

  it('keeps the place of an entry that had its turn, and not of one waiting for its paused directory', () => {
    expect(verdictOf(new BrowserFailed('gone'), data)).toMatchObject({ keepPlace: true });
    expect(verdictOf(new RetryLater(new Date(Date.now() + 5000), 'later'), data)).toMatchObject({ keepPlace: true });
    expect(verdictOf(new DirectoryPaused('paused'), data).kind).toBe('delay');
    expect(verdictOf(new DirectoryPaused('paused'), data)).not.toHaveProperty('keepPlace');
  });

  it("delays without spending an attempt for the worker's browser, a Retry-After and a paused directory, counting what is bounded", () => {
    expect(verdictOf(new BrowserFailed('gone'), { ...data, browserFailures: 1 })).toMatchObject({ kind: 'delay', reason: 'browser_failed', data: { browserFailures: 2 } });
    expect(verdictOf(new RetryLater(new Date(Date.now() + 5000), 'later'), data)).toMatchObject({ kind: 'delay', reason: 'retry_after', data: { retryAfters: 1 } });
    expect(verdictOf(new DirectoryPaused('paused'), data)).toMatchObject({ kind: 'delay', reason: 'directory_paused', data: { waitedForResume: true } });
  });

  it('spends an attempt on anything else', () => {
    const err = new Error('the page broke');
    expect(verdictOf(err, data)).toEqual({ kind: 'fail', err });
  });
});
