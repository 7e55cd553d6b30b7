import type { Lease } from '../leases/protocol';
import { ApiUnavailable, LeaseExpired, type WorkerApi } from './api-client';
import { LeaseWatch } from './lease-watch';

const LEASE = { id: 'l-1', token: 't', heartbeatMs: 1000 } as Lease;

/** A WorkerApi whose heartbeat answers with `answer`, counting the calls and the progress words sent. */
function fakeApi(answer: () => Promise<number>) {
  const progress: string[] = [];
  const api = { heartbeat: async (_: Lease, req: { progress?: string }) => (progress.push(req.progress ?? ''), answer()) } as unknown as WorkerApi;
  return { api, progress };
}

const lost = (watch: LeaseWatch) => new Promise<string>((r) => watch.onLost(() => r(watch.lostBecause!)));

describe('LeaseWatch', () => {
  it('heartbeats with the progress word and keeps the lease while the server extends it', async () => {
    const { api, progress } = fakeApi(async () => Date.now() + 60_000);
    const watch = new LeaseWatch(api, { lease: LEASE, expiresAt: Date.now() + 60_000 });
    watch.progress = 'filling';
    await new Promise<void>((r) => {
      const check = setInterval(() => progress.length >= 2 && (clearInterval(check), r()), 50);
    });
    watch.stop();
    expect(progress.slice(0, 2)).toEqual(['filling', 'filling']);
    expect(watch.lostBecause).toBeUndefined();
  });

  it('loses the lease, and stops the attempt, when the server says it is gone', async () => {
    const { api } = fakeApi(async () => {
      throw new LeaseExpired('POST /leases/l-1/heartbeat: HTTP 409: taken over');
    });
    const watch = new LeaseWatch(api, { lease: LEASE, expiresAt: Date.now() + 60_000 });
    expect(await lost(watch)).toMatch(/the server ended the lease .*taken over/);
  });

  it('loses the lease when its end passes with no heartbeat through; an unreachable API alone does not', async () => {
    const { api } = fakeApi(async () => {
      throw new ApiUnavailable('POST /leases/l-1/heartbeat: HTTP 503');
    });
    const watch = new LeaseWatch(api, { lease: LEASE, expiresAt: Date.now() + 2500 });
    expect(await lost(watch)).toBe('the lease ran out before a heartbeat got through');
  });

  it('runs a stop asked for after the loss at once', () => {
    const { api } = fakeApi(async () => Date.now() + 60_000);
    const watch = new LeaseWatch(api, { lease: LEASE, expiresAt: Date.now() + 60_000 });
    watch.lose('revoked');
    let stopped = false;
    watch.onLost(() => (stopped = true));
    expect(stopped).toBe(true);
  });
});
