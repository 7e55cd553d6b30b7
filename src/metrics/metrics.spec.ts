import { Metrics } from './metrics';
import { mayScrape } from './metrics-access';

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

it('lets a scrape in without METRICS_TOKEN, and with it only on the exact bearer token', () => {
  expect(mayScrape(undefined, undefined)).toBe(true);
  expect(mayScrape('Bearer anything', undefined)).toBe(true);
  const token = 'a-token-of-32-characters-exactly';
  expect(mayScrape(undefined, token)).toBe(false);
  expect(mayScrape(`Bearer ${token}`, token)).toBe(true);
  expect(mayScrape(`Bearer ${token}x`, token)).toBe(false);
  expect(mayScrape(`bearer ${token}`, token)).toBe(false);
  expect(mayScrape(token, token)).toBe(false);
});
