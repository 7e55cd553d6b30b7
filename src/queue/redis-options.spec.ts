import { redisOptionsFromUrl } from './redis-options';

describe('redisOptionsFromUrl', () => {
  it('reads host, port, credentials and database', () => {
    const o = redisOptionsFromUrl('rediss://bolt:p%40ss@cache.internal:6380/2', 'worker');
    expect(o).toMatchObject({ host: 'cache.internal', port: 6380, username: 'bolt', password: 'p@ss', db: 2 });
    expect(o.tls).toEqual({});
    expect(o.maxRetriesPerRequest).toBeNull();
  });

  it('makes producers fail fast', () => {
    const o = redisOptionsFromUrl('redis://127.0.0.1', 'producer');
    expect(o).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  });
});
