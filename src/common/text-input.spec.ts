import { undecodableFields, unstorableText } from './text-input';

describe('unstorableText', () => {
  it('passes well-formed text, surrogate pairs included, and names each string that is not', () => {
    expect(unstorableText({ a: 'Café 🍞 e\u0301', b: ['x', { c: 'שלום' }], n: 1, t: true, z: null })).toEqual([]);
    const found = unstorableText({ a: 'ok', b: ['x', 'lone \ud800'], c: { d: 'low \udc00 first', e: 'nul \u0000' }, f: '\ude00\ud83d' });
    expect(found.map((e) => e.field)).toEqual(['b.1', 'c.d', 'c.e', 'f']);
    expect(found[0].messages[0]).toBe('b.1 is not well-formed Unicode: it holds a lone UTF-16 surrogate (U+D800) at offset 5; send whole characters (a surrogate only as half of a pair)');
    expect(found[2].messages[0]).toMatch(/^c\.e holds a NUL character \(U\+0000\) at offset 4/);
  });

  it('checks field names too, and names them escaped so the answer is well-formed', () => {
    const [found] = unstorableText({ ['bad\ud800key']: 'value', ['nul\u0000']: 1 }, 'body');
    expect(found.field).toBe('body.bad\\ud800key');
    expect(/[\u0000\uD800-\uDFFF]/u.test(JSON.stringify(unstorableText({ ['x\ud800']: 1, ['y\u0000']: 2 })))).toBe(false);
  });

  it('reports at most 20 fields however many are wrong', () => {
    expect(unstorableText(Array.from({ length: 10_000 }, () => '\u0000'))).toHaveLength(20);
  });

  it('walks nesting of any depth without recursion, and reports a bounded path', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [found, ...more] = unstorableText(deep);
    expect(more).toEqual([]);
    expect(found.field).toBe(`${'0.'.repeat(100)}…`);
    expect(found.messages[0]).toMatch(/… holds a NUL character/);
  });
});

describe('undecodableFields', () => {
  it('passes percent-encoded UTF-8, plus signs and stray percent signs', () => {
    expect(undecodableFields('a=caf%C3%A9&b=%F0%9F%8D%9E+x&c=100%&d=%zz&e&=f')).toEqual([]);
  });

  it('names each field whose escapes are not UTF-8, an encoded surrogate included', () => {
    expect(undecodableFields('a=ok&b=caf%E9&c=%ED%A0%80&d%FF=1').map((e) => e.field)).toEqual(['b', 'c', 'd\ufffd']);
  });

  it('reads a raw byte as itself (latin1 text: one character per byte)', () => {
    expect(undecodableFields('a=caf\xc3\xa9&b=caf\xe9').map((e) => e.field)).toEqual(['b']);
  });
});
