import type { Lease, LeaseRequest } from '../leases/protocol';
import { ApiProblem, type Held, type WorkerApi } from './api-client';
import { LeaseLoop, WorkerStopped } from './lease-loop';

const IDENTITY = { id: 'w', kind: 'remote' as const, version: '1' };
const held = (id: string): Held => ({ lease: { id } as Lease, expiresAt: Date.now() + 60_000 });

/** A WorkerApi whose lease() hands out what `next` gives, recording every request. */
function fakeApi(next: (req: LeaseRequest) => Held[] | Error) {
  const asked: LeaseRequest[] = [];
  const api = {
    lease: async (req: LeaseRequest) => {
      asked.push(req);
      const answer = next(req);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as WorkerApi;
  return { api, asked };
}

describe('LeaseLoop', () => {
  it('keeps at most `slots` leases in flight, asking only for the room it has', async () => {
    let n = 0;
    const { api, asked } = fakeApi((req) => Array.from({ length: req.max }, () => held(`l${n++}`)));
    const finish: Array<() => void> = [];
    const loop = new LeaseLoop(api, { worker: IDENTITY, slots: 2, broken: () => undefined, run: () => new Promise<void>((r) => finish.push(r)) });
    const running = loop.run();
    await until(() => finish.length === 2);
    finish[0]();
    await until(() => finish.length === 3);
    loop.stop();
    finish[1]();
    finish[2]();
    await running;
    expect(await loop.drain(1000)).toBe(true);
    expect(asked.map((r) => r.max)).toEqual([2, 1]);
    expect(asked[0]).toEqual({ max: 2, capabilities: ['browser', 'credentials'], worker: IDENTITY });
  });

  it('waits when there is nothing to do, and stops waiting when told to stop', async () => {
    const { api, asked } = fakeApi(() => []);
    const loop = new LeaseLoop(api, { worker: IDENTITY, slots: 1, broken: () => undefined, run: async () => undefined });
    const running = loop.run();
    await until(() => asked.length === 1);
    loop.stop();
    await running;
    expect(asked).toHaveLength(1);
  });

  it('stops for good when the key is refused, the address has no lease protocol, or the browser keeps failing', async () => {
    const nowhere = new LeaseLoop(fakeApi(() => new ApiProblem(404, 'POST /leases: HTTP 404: Not found')).api, { worker: IDENTITY, slots: 1, broken: () => undefined, run: async () => undefined });
    await expect(nowhere.run()).rejects.toThrow(/check --api/);
    const refused = new LeaseLoop(fakeApi(() => new ApiProblem(401, 'POST /leases: HTTP 401: Unauthorized')).api, { worker: IDENTITY, slots: 1, broken: () => undefined, run: async () => undefined });
    await expect(refused.run()).rejects.toThrow(WorkerStopped);
    const broken = new LeaseLoop(fakeApi(() => []).api, { worker: IDENTITY, slots: 1, broken: () => 'Chromium failed 3 leases in a row', run: async () => undefined });
    await expect(broken.run()).rejects.toThrow(/Chromium failed 3 leases in a row/);
  });

  it('says when leases in flight outlast the grace', async () => {
    const { api, asked } = fakeApi(() => [held('slow')]);
    const loop = new LeaseLoop(api, { worker: IDENTITY, slots: 1, broken: () => undefined, run: () => new Promise<void>(() => undefined) });
    const running = loop.run();
    await until(() => asked.length === 1);
    loop.stop();
    await running;
    expect(await loop.drain(100)).toBe(false);
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
