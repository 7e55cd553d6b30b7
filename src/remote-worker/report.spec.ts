import type { ResponseLogEntry } from '../common/response-log';
import { BlockedByPolicy, BrowserFailed, ClickDeadlinePassed, SubmissionFailed, SubmitAborted } from '../engine/listing-submitter';
import { failureReport, outcomeReport } from './report';

const LOG: ResponseLogEntry[] = [
  { at: '2026-01-01T00:00:00.000Z', attempt: 2, event: 'opened', detail: 'https://d.example/' },
  { at: '2026-01-01T00:00:01.000Z', attempt: 2, event: 'accepted' },
];
const LINES = [
  { at: '2026-01-01T00:00:00.000Z', event: 'opened', detail: 'https://d.example/' },
  { at: '2026-01-01T00:00:01.000Z', event: 'accepted' },
];

describe('what the remote worker reports of an attempt', () => {
  it('submitted: complete with the reference, the log and the screenshot to upload', () => {
    expect(outcomeReport({ kind: 'submitted', reference: 'R-1', log: LOG, screenshotPath: '/tmp/s.png' })).toEqual({
      call: 'complete',
      body: { outcome: { result: 'submitted', reference: 'R-1' }, log: LINES },
      screenshotPath: '/tmp/s.png',
    });
  });

  it('rejected: refused for good; error: refused, worth retrying, after the directory\'s Retry-After', () => {
    expect(outcomeReport({ kind: 'rejected', message: 'already listed', log: LOG }).body).toEqual({ outcome: { result: 'refused', reason: 'already listed', retryable: false }, log: LINES });
    expect(outcomeReport({ kind: 'error', message: 'slow down', retryAfterMs: 60_000, log: [] }).body).toEqual({
      outcome: { result: 'refused', reason: 'slow down', retryable: true, retryAfterMs: 60_000 },
      log: [],
    });
    expect(outcomeReport({ kind: 'rejected', log: [] }).body).toMatchObject({ outcome: { reason: 'the directory refused the listing' } });
  });

  it('maps the engine\'s failures to the protocol\'s kinds', () => {
    expect(failureReport(new SubmissionFailed('no #name', LOG, '/tmp/s.png', 'css #name'), [])).toEqual({
      call: 'fail',
      body: { kind: 'target_missing', message: 'no #name', target: 'css #name', log: LINES },
      screenshotPath: '/tmp/s.png',
    });
    expect(failureReport(new SubmissionFailed('the page crashed', LOG), [])?.body).toMatchObject({ kind: 'page', message: 'the page crashed' });
    expect(failureReport(new BlockedByPolicy('evil.example', 'not in the catalogue', LOG), [])?.body).toMatchObject({ kind: 'page' });
    expect(failureReport(new BrowserFailed('Chromium went away', LOG), [])?.body).toEqual({ kind: 'browser', message: 'Chromium went away', log: LINES });
    // A browser that failed before the attempt began has no lines of its own: the lease's are sent.
    expect(failureReport(new BrowserFailed('did not start'), LOG)?.body.log).toEqual(LINES);
    expect(failureReport(new ClickDeadlinePassed(), LOG)?.body).toMatchObject({ kind: 'deadline', log: LINES });
    expect(failureReport(new Error('something else\nwith a stack'), LOG)?.body).toEqual({ kind: 'page', message: 'something else', log: LINES });
  });

  it('reports nothing when the server stopped the click: it settled the lease itself', () => {
    expect(failureReport(new SubmitAborted('paused'), LOG)).toBeUndefined();
  });
});
