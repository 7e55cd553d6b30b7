import { Metrics } from './metrics';
import { scrapeAccess } from './metrics-access';

const valueOf = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

describe('a scrape-time gauge', () => {
  it('has the value its read set', async () => {
    const m = new Metrics();
    m.gauge('t_fine', 'fine', [], (g) => g.set(7));
    expect(valueOf(await m.registry.metrics(), 't_fine')).toBe('t_fine 7');
  });

  it('has no value, not an old one, when its read fails; the scrape goes on', async () => {
    const m = new Metrics();
    let fail = false;
    m.gauge('t_flaky', 'flaky', [], (g) => {
      if (fail) throw new Error('PostgreSQL is away');
      g.set(3);
    });
    m.gauge('t_labelled', 'labelled', ['queue'], (g) => {
      if (fail) throw new Error('Redis is away');
      g.set({ queue: 'q' }, 5);
    });
    expect(valueOf(await m.registry.metrics(), 't_flaky')).toBe('t_flaky 3');
    fail = true;
    const text = await m.registry.metrics();
    expect(valueOf(text, 't_flaky')).toMatch(/^t_flaky nan$/i);
    expect(valueOf(text, 't_labelled')).toBeUndefined();
    expect(valueOf(text, 'nodejs_eventloop_lag_seconds')).toBeDefined();
  });

  it('gives up on a read that does not answer, so the scrape still does', async () => {
    const m = new Metrics();
    m.gauge('t_hung', 'hung', [], () => new Promise<void>(() => undefined));
    expect(valueOf(await m.registry.metrics(), 't_hung')).toMatch(/^t_hung nan$/i);
  });
});

it('lets a scrape in without METRICS_TOKEN outside production, and with it only on the exact bearer token', () => {
  const dev = { NODE_ENV: 'development', METRICS_TOKEN: undefined } as const;
  expect(scrapeAccess(undefined, dev)).toBe('ok');
  expect(scrapeAccess('Bearer anything', dev)).toBe('ok');
  expect(scrapeAccess(undefined, { ...dev, NODE_ENV: 'production' })).toBe('off');
  const token = 'a-token-of-32-characters-exactly';
  for (const NODE_ENV of ['development', 'production'] as const) {
    const config = { NODE_ENV, METRICS_TOKEN: token };
    expect(scrapeAccess(undefined, config)).toBe('unauthorized');
    expect(scrapeAccess(`Bearer ${token}`, config)).toBe('ok');
    expect(scrapeAccess(`Bearer ${token}x`, config)).toBe('unauthorized');
    expect(scrapeAccess(`bearer ${token}`, config)).toBe('unauthorized');
    expect(scrapeAccess(token, config)).toBe('unauthorized');
  }
});
