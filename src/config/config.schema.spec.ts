import { keyPrefix } from '../queue/redis-connection';
import { parseConfig } from './config.schema';

describe('parseConfig', () => {
  it('gives working defaults for a developer machine', () => {
    const c = parseConfig({});
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/boltline');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.PORT).toBe(3000);
    expect(c.REQUIRE_APPROVAL).toBe(false);
  });

  it('coerces numbers and booleans from strings', () => {
    const c = parseConfig({ PORT: '8080', WORKER_CONCURRENCY: '4', REQUIRE_APPROVAL: 'true' });
    expect(c).toMatchObject({ PORT: 8080, WORKER_CONCURRENCY: 4, REQUIRE_APPROVAL: true });
  });

  it('names every bad variable in one error', () => {
    expect(() => parseConfig({ PORT: 'eighty', REDIS_URL: 'http://x', WORKER_CONCURRENCY: '0' })).toThrow(
      /REDIS_URL: must be a URL starting with redis: or rediss:\/\/[\s\S]*PORT:[\s\S]*WORKER_CONCURRENCY/,
    );
  });

  it('reads a Redis Cluster as nodes, and keys it under a hash tag', () => {
    expect(parseConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
    const c = parseConfig({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001,[::1]:7002', QUEUE_PREFIX: 'prod' });
    expect(c.REDIS_CLUSTER_NODES).toEqual([{ host: 'redis-0.redis', port: 6379 }, { host: '10.0.0.7', port: 7001 }, { host: '::1', port: 7002 }]);
    expect(keyPrefix(c)).toBe('{prod}');
    expect(keyPrefix(parseConfig({ QUEUE_PREFIX: 'prod' }))).toBe('prod');
    expect(() => parseConfig({ REDIS_CLUSTER_NODES: 'redis://a:6379,b' })).toThrow(/REDIS_CLUSTER_NODES: host:port, comma-separated; not redis:\/\/a:6379, b/);
  });

  it('wants a bucket for screenshots in S3', () => {
    expect(parseConfig({}).EVIDENCE_STORE).toBe('local');
    expect(() => parseConfig({ EVIDENCE_STORE: 's3' })).toThrow(/EVIDENCE_S3_BUCKET: required with EVIDENCE_STORE=s3/);
    expect(parseConfig({ EVIDENCE_STORE: 's3', EVIDENCE_S3_BUCKET: 'shots' })).toMatchObject({ EVIDENCE_S3_BUCKET: 'shots', EVIDENCE_S3_REGION: 'us-east-1', EVIDENCE_S3_PATH_STYLE: false });
  });

  it('refuses a weak admin credential', () => {
    expect(() => parseConfig({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET/);
  });
});

describe('TEST_CRASH_AT', () => {
  it('is honoured under NODE_ENV=test', () => {
    expect(parseConfig({ NODE_ENV: 'test', TEST_CRASH_AT: 'worker.after-claim, relay.after-add' }).TEST_CRASH_AT).toEqual([
      'worker.after-claim',
      'relay.after-add',
    ]);
  });

  it('is ignored by every other build', () => {
    expect(parseConfig({ NODE_ENV: 'production', TEST_CRASH_AT: 'worker.after-claim' }).TEST_CRASH_AT).toEqual([]);
    expect(parseConfig({ TEST_CRASH_AT: 'worker.after-claim' }).TEST_CRASH_AT).toEqual([]);
  });

  it('names an unknown crash point', () => {
    expect(() => parseConfig({ NODE_ENV: 'test', TEST_CRASH_AT: 'worker.somewhere' })).toThrow(/TEST_CRASH_AT.*each must be one of worker.after-claim/);
  });
});

describe('EGRESS_PRIVATE_ORIGINS', () => {
  it('is empty unless set: no private origin is reachable by default', () => {
    expect(parseConfig({}).EGRESS_PRIVATE_ORIGINS).toEqual([]);
    expect(parseConfig({ NODE_ENV: 'test' }).EGRESS_PRIVATE_ORIGINS).toEqual([]);
  });

  it('takes a list of origins, normalised, or none', () => {
    expect(parseConfig({ EGRESS_PRIVATE_ORIGINS: 'http://LOCALHOST:80, https://sandbox:4443' }).EGRESS_PRIVATE_ORIGINS).toEqual([
      'http://localhost',
      'https://sandbox:4443',
    ]);
    expect(parseConfig({ EGRESS_PRIVATE_ORIGINS: 'none' }).EGRESS_PRIVATE_ORIGINS).toEqual([]);
  });

  it('refuses what is not an origin', () => {
    expect(() => parseConfig({ EGRESS_PRIVATE_ORIGINS: 'http://127.0.0.1:4000/d/' })).toThrow(/EGRESS_PRIVATE_ORIGINS: "http:\/\/127.0.0.1:4000\/d\/" is not an origin/);
    expect(() => parseConfig({ EGRESS_PRIVATE_ORIGINS: 'file:///etc' })).toThrow(/EGRESS_PRIVATE_ORIGINS/);
  });

  it('is empty in production, and refused there when set', () => {
    expect(parseConfig({ NODE_ENV: 'production' }).EGRESS_PRIVATE_ORIGINS).toEqual([]);
    expect(parseConfig({ NODE_ENV: 'production', EGRESS_PRIVATE_ORIGINS: 'none' }).EGRESS_PRIVATE_ORIGINS).toEqual([]);
    expect(() => parseConfig({ NODE_ENV: 'production', EGRESS_PRIVATE_ORIGINS: 'http://127.0.0.1:4000' })).toThrow(
      /EGRESS_PRIVATE_ORIGINS: not allowed with NODE_ENV=production/,
    );
  });
});

describe('STAFF_PASSWORD_SCRYPT_N', () => {
  it('is 2^17 unless set', () => {
    expect(parseConfig({}).STAFF_PASSWORD_SCRYPT_N).toBe(131072);
    expect(parseConfig({ NODE_ENV: 'production' }).STAFF_PASSWORD_SCRYPT_N).toBe(131072);
  });

  it('may be lowered outside production (tests), raised anywhere, and must be a power of two', () => {
    expect(parseConfig({ NODE_ENV: 'test', STAFF_PASSWORD_SCRYPT_N: '16384' }).STAFF_PASSWORD_SCRYPT_N).toBe(16384);
    expect(parseConfig({ NODE_ENV: 'production', STAFF_PASSWORD_SCRYPT_N: '262144' }).STAFF_PASSWORD_SCRYPT_N).toBe(262144);
    expect(() => parseConfig({ STAFF_PASSWORD_SCRYPT_N: '100000' })).toThrow(/STAFF_PASSWORD_SCRYPT_N: must be a power of two/);
  });

  it('is never below 2^17 in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', STAFF_PASSWORD_SCRYPT_N: '65536' })).toThrow(
      /STAFF_PASSWORD_SCRYPT_N: must be at least 131072 \(2\^17\) with NODE_ENV=production/,
    );
  });
});

describe('limits on streams and open orders', () => {
  it('default to sane values', () => {
    expect(parseConfig({})).toMatchObject({ MAX_STREAMS_PER_KEY: 20, MAX_STREAMS_PER_ADDRESS: 50, STREAM_RECHECK_MS: 15_000, MAX_OPEN_ORDERS_PER_ACCOUNT: 100 });
  });

  it('take whole numbers in range, and name each one that is not', () => {
    expect(parseConfig({ MAX_STREAMS_PER_KEY: '3', MAX_STREAMS_PER_ADDRESS: '7', STREAM_RECHECK_MS: '1000', MAX_OPEN_ORDERS_PER_ACCOUNT: '5' })).toMatchObject({
      MAX_STREAMS_PER_KEY: 3,
      MAX_STREAMS_PER_ADDRESS: 7,
      STREAM_RECHECK_MS: 1000,
      MAX_OPEN_ORDERS_PER_ACCOUNT: 5,
    });
    const bad = { MAX_STREAMS_PER_KEY: '0', MAX_STREAMS_PER_ADDRESS: 'many', STREAM_RECHECK_MS: '10', MAX_OPEN_ORDERS_PER_ACCOUNT: '2.5' };
    const message = (() => {
      try {
        parseConfig(bad);
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const name of Object.keys(bad)) expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
  });
});

describe('CHROMIUM_SANDBOX', () => {
  it('is auto unless set, and only auto, on or off', () => {
    expect(parseConfig({}).CHROMIUM_SANDBOX).toBe('auto');
    expect(parseConfig({ CHROMIUM_SANDBOX: 'on' }).CHROMIUM_SANDBOX).toBe('on');
    expect(() => parseConfig({ CHROMIUM_SANDBOX: 'yes' })).toThrow(/CHROMIUM_SANDBOX/);
  });

  it('refuses off in production unless CHROMIUM_ALLOW_UNSANDBOXED says someone took the risk', () => {
    expect(parseConfig({ CHROMIUM_SANDBOX: 'off' }).CHROMIUM_SANDBOX).toBe('off');
    expect(() => parseConfig({ NODE_ENV: 'production', CHROMIUM_SANDBOX: 'off' })).toThrow(
      /CHROMIUM_SANDBOX: off is refused with NODE_ENV=production[\s\S]*CHROMIUM_ALLOW_UNSANDBOXED=true/,
    );
    expect(parseConfig({ NODE_ENV: 'production', CHROMIUM_SANDBOX: 'off', CHROMIUM_ALLOW_UNSANDBOXED: 'true' }).CHROMIUM_SANDBOX).toBe('off');
  });
});
