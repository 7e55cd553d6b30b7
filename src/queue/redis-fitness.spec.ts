import { judgeRedis, parseInfo } from './redis-fitness';

const memory = (policy: string) => parseInfo(`# Memory\r\nused_memory:1024\r\nmaxmemory_policy:${policy}\r\n`);
const persistence = (aof: 0 | 1) => parseInfo(`# Persistence\r\nloading:0\r\naof_enabled:${aof}\r\n`);

describe('judgeRedis', () => {
  it('accepts noeviction with persistence', () => {
    expect(judgeRedis(memory('noeviction'), persistence(1), '')).toEqual({ error: undefined, warning: undefined });
    expect(judgeRedis(memory('noeviction'), persistence(0), '3600 1')).toEqual({ error: undefined, warning: undefined });
  });

  it('refuses an evicting policy, naming it and the fix', () => {
    expect(judgeRedis(memory('allkeys-lru'), persistence(1), '').error).toMatch(/maxmemory-policy is allkeys-lru; Boltline needs noeviction.*CONFIG SET/);
  });

  it('warns when Redis keeps nothing on disk', () => {
    expect(judgeRedis(memory('noeviction'), persistence(0), '').warning).toMatch(/keeps nothing on disk/);
  });

  it('stays quiet about persistence it cannot see', () => {
    expect(judgeRedis(memory('noeviction'), persistence(0), undefined).warning).toBeUndefined();
  });
});
