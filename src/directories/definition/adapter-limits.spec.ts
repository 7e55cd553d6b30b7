import { adapterSchema } from './adapter.schema';

const adapter = {
  version: 1,
  steps: [{ fields: [{ field: 'businessName', target: { css: '#name' } }], advance: { css: 'button' } }],
  success: { selectors: ['.thanks'] },
  failure: { selectors: ['.error'] },
};
const problems = (limits: unknown) => {
  const r = adapterSchema.safeParse({ ...adapter, limits });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('adapter limits', () => {
  it('are optional, and either or both of concurrent and perMinute', () => {
    expect(adapterSchema.parse(adapter).limits).toBeUndefined();
    expect(problems({ concurrent: 1 })).toEqual([]);
    expect(problems({ concurrent: 2, perMinute: 10 })).toEqual([]);
    expect(problems({})).toEqual([]);
  });

  it('refuses what a person could not have meant, by path', () => {
    expect(problems({ concurrent: 0 })).toEqual(['limits.concurrent: limits.concurrent must be at least 1']);
    expect(problems({ perMinute: 1.5 })).toEqual(['limits.perMinute: limits.perMinute must be a whole number']);
    expect(problems({ burst: 2 })).toHaveLength(1);
  });
});
