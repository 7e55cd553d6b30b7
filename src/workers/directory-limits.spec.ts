import IORedis from 'ioredis';
import { TEST_REDIS_URL, testQueuePrefix } from '../../test/support/queue';
import { DirectoryLimiter, LIMIT_MAX_POLL_MS, MAX_SLOW_DOWN_MS, placeInLine } from './directory-limits';

/** The limiter against the real Redis, each test under a prefix of its own. */
let redis: IORedis;
let prefix: string;
const limiter = (holdMs = 60_000) => new DirectoryLimiter(async () => redis, prefix, holdMs);
const place = (n: number, priority = 2) => placeInLine(priority, 1_700_000_000_000 + n);
const go = (t: { go: boolean }) => t.go;

beforeAll(() => {
  redis = new IORedis(TEST_REDIS_URL);
});
beforeEach(() => {
  prefix = testQueuePrefix();
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

describe('DirectoryLimiter', () => {
  it('gives a directory without limits a turn every time, holding nothing', async () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) expect(await l.take('d', `w${i}`, place(i), undefined)).toMatchObject({ go: true });
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('lets one at a time in, the next once the first gives its turn back', async () => {
    const l = limiter();
    const a = await l.take('d', 'a', place(1), { concurrent: 1 });
    if (!a.go) throw new Error('the first should go');
    const b = await l.take('d', 'b', place(2), { concurrent: 1 });
    expect(b).toMatchObject({ go: false, reason: 'concurrent', joined: true });
    // Asked again while still limited: the same place, not joined anew.
    expect(await l.take('d', 'b', place(2), { concurrent: 1 })).toMatchObject({ go: false, joined: false });
    // Other directories are not affected.
    expect(await l.take('other', 'c', place(3), { concurrent: 1 })).toMatchObject({ go: true });
    await l.release('d', a.holder);
    expect(await l.take('d', 'b', place(2), { concurrent: 1 })).toMatchObject({ go: true });
  });

  it('keeps the line: a later submission does not take the slot the first in line waits for', async () => {
    const l = limiter();
    const a = await l.take('d', 'a', place(1), { concurrent: 1 });
    if (!a.go) throw new Error('the first should go');
    expect(go(await l.take('d', 'old', place(2), { concurrent: 1 }))).toBe(false);
    await l.release('d', a.holder);
    // A newer entry asks first after the release: "old" is ahead of it in line.
    expect(await l.take('d', 'new', place(3), { concurrent: 1 })).toMatchObject({ go: false });
    // A more urgent order goes ahead of the line.
    const urgent = await l.take('d', 'urgent', place(9, 1), { concurrent: 1 });
    expect(urgent).toMatchObject({ go: true });
    if (urgent.go) await l.release('d', urgent.holder);
    expect(await l.take('d', 'old', place(2), { concurrent: 1 })).toMatchObject({ go: true });
  });

  it('waits longer the further back in line, up to a bound', async () => {
    const l = limiter();
    expect(go(await l.take('d', 'a', place(0), { concurrent: 1 }))).toBe(true);
    const waits: number[] = [];
    for (let i = 1; i <= 40; i++) {
      const t = await l.take('d', `w${i}`, place(i), { concurrent: 1 });
      if (t.go) throw new Error(`w${i} should wait`);
      waits.push(t.waitMs);
    }
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(Math.max(...waits)).toBe(LIMIT_MAX_POLL_MS);
  });

  // Leases here are seconds long and the waits pass them by a second: a busy machine's pauses
  // between two calls stay far inside either margin.
  it('frees the slot of a holder that stopped renewing (a SIGKILLed worker)', async () => {
    const l = limiter(2000);
    const a = await l.take('d', 'a', place(1), { concurrent: 1 });
    expect(a.go).toBe(true);
    expect(go(await l.take('d', 'b', place(2), { concurrent: 1 }))).toBe(false);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await l.take('d', 'b', place(2), { concurrent: 1 })).toMatchObject({ go: true });
  });

  it('renewing keeps a running holder its slot', async () => {
    const l = limiter(3000);
    const a = await l.take('d', 'a', place(1), { concurrent: 1 });
    if (!a.go) throw new Error('the first should go');
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await l.renew('d', a.holder);
    }
    expect(go(await l.take('d', 'b', place(2), { concurrent: 1 }))).toBe(false);
  });

  it('a waiter whose order staff made less urgent does not wait behind its own old place', async () => {
    const l = limiter();
    const a = await l.take('d', 'a', place(1), { concurrent: 1 });
    if (!a.go) throw new Error('the first should go');
    expect(go(await l.take('d', 'w', place(5), { concurrent: 1 }))).toBe(false);
    await l.release('d', a.holder);
    // Its priority went from urgent to routine: a later place, and nobody else in line.
    expect(go(await l.take('d', 'w', String(4e13 + 5), { concurrent: 1 }))).toBe(true);
  });

  it('a year-long Retry-After holds the directory off for at most MAX_SLOW_DOWN_MS, and every look comes back within the poll bound', async () => {
    const l = limiter();
    await l.slowDown('d', 365 * 24 * 3600_000);
    const t = await l.take('d', 'a', place(1), undefined);
    expect(t).toMatchObject({ go: false, reason: 'slowed down' });
    if (!t.go) expect(t.waitMs).toBeLessThanOrEqual(LIMIT_MAX_POLL_MS);
    const notBefore = Number(await redis.get(`${prefix}:directory-limits:{d}:not-before`));
    const [secs] = await redis.time();
    expect(notBefore - Number(secs) * 1000).toBeLessThanOrEqual(MAX_SLOW_DOWN_MS + 1000);
  });

  it('starts at most perMinute in a sliding 60-second window', async () => {
    const l = limiter();
    const turns = [];
    for (let i = 0; i < 4; i++) turns.push(await l.take('d', `w${i}`, place(i), { perMinute: 3 }));
    expect(turns.map(go)).toEqual([true, true, true, false]);
    const fourth = turns[3];
    if (fourth.go) throw new Error('unreachable');
    expect(fourth.reason).toBe('per minute');
    // Until the first start leaves the window, give or take the time the calls took.
    expect(fourth.waitMs).toBeGreaterThan(LIMIT_MAX_POLL_MS - 1);
    // Giving a turn back does not give back its start.
    for (const t of turns.slice(0, 3)) if (t.go) await l.release('d', t.holder);
    expect(go(await l.take('d', 'w3', place(3), { perMinute: 3 }))).toBe(false);
  });

  it('a slow-down holds every submission to the directory, limited or not, until it passes', async () => {
    const l = limiter();
    await l.slowDown('d', 2000);
    await l.slowDown('d', 100); // never shortens one set before
    const t = await l.take('d', 'a', place(1), undefined);
    expect(t).toMatchObject({ go: false, reason: 'slowed down' });
    if (!t.go) expect(t.waitMs).toBeGreaterThan(100);
    expect(go(await l.take('other', 'b', place(2), undefined))).toBe(true);
    await new Promise((r) => setTimeout(r, 2500));
    expect(go(await l.take('d', 'a', place(1), undefined))).toBe(true);
  });
});
