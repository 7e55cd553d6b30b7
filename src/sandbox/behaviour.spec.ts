import { LAYOUT_NAMES } from './adapters';
import { behaviourOf, layoutOf, type Behaviour } from './behaviour';

const positions = Array.from({ length: 520 }, (_, i) => i + 1);

describe('behaviourOf', () => {
  it('follows the documented rule, first match winning', () => {
    expect([1, 2, 3, 4, 5, 12, 14, 50, 101].map(behaviourOf)).toEqual([
      'normal', 'normal', 'slow', 'normal', 'flaky', 'flaky', 'slow', 'always-listed', 'always-listed',
    ]);
    expect(behaviourOf(47)).toBe('slow'); // 47 % 11 === 3 and 47 % 7 === 5
    expect(behaviourOf(152)).toBe('always-listed'); // 152 % 7 === 5 too
  });

  it('gives every behaviour to every layout in the catalogue range', () => {
    const seen = new Set(positions.map((p) => `${behaviourOf(p)}/${layoutOf(p)}`));
    for (const b of ['normal', 'slow', 'flaky', 'always-listed'] as Behaviour[]) {
      for (const l of LAYOUT_NAMES) expect(seen).toContain(`${b}/${l}`);
    }
  });

  it('keeps most directories normal', () => {
    const count = (b: Behaviour) => positions.filter((p) => behaviourOf(p) === b).length;
    expect(count('always-listed')).toBe(10);
    expect(count('normal')).toBeGreaterThan(360);
  });

  it('rejects positions that are not 1-based integers', () => {
    for (const bad of [0, -1, 1.5, NaN]) {
      expect(() => behaviourOf(bad)).toThrow(RangeError);
      expect(() => layoutOf(bad)).toThrow(RangeError);
    }
  });
});

describe('layoutOf', () => {
  it('rotates through the five layouts from position 1', () => {
    expect(positions.slice(0, 10).map(layoutOf)).toEqual([...LAYOUT_NAMES, ...LAYOUT_NAMES]);
  });
});
