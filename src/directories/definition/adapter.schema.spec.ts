import { adapterSchema, type AdapterInput } from './adapter.schema';

const base = {
  version: 1,
  steps: [{ fields: [{ field: 'businessName', target: { css: '#name' } }], advance: { css: 'button' } }],
  success: { selectors: ['.ok'] },
  failure: { selectors: ['.error'] },
} satisfies AdapterInput;

const problems = (input: unknown) => {
  const r = adapterSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('adapter schema: outcomes, capture, verify, flow', () => {
  it('keeps a selectors-only definition valid and unchanged', () => {
    expect(adapterSchema.parse(base)).toEqual({ ...base, steps: [{ ...base.steps[0], fields: [{ field: 'businessName', target: { css: '#name' }, kind: 'fill' }] }], permanentFailures: [] });
  });

  it('takes text, url and status rules, alone or together', () => {
    expect(problems({ ...base, success: { url: '/thanks?id=' }, failure: { text: '/could not|refused/', status: [409, 422] } })).toEqual([]);
    expect(problems({ ...base, success: { status: 201 } })).toEqual([]);
  });

  it('names what is wrong with a rule', () => {
    expect(problems({ ...base, success: {} })).toEqual(['success: give at least one of selectors, text, url, status']);
    expect(problems({ ...base, success: { text: '/(unclosed/' } })).toEqual(['success.text: not a valid regular expression between the slashes']);
    expect(problems({ ...base, failure: { status: 999 } })[0]).toMatch(/^failure\.status/);
    expect(problems({ ...base, success: { selector: '.ok' } })[0]).toMatch(/^success/);
  });

  it('takes capture, verify.search, serverErrorMeans, timeouts and a step waitFor', () => {
    const full = {
      ...base,
      steps: [{ ...base.steps[0], waitFor: { url: '/step-2' } }, { fields: [], advance: { css: '#send' } }],
      capture: { pattern: 'reference (\\w+)' },
      verify: { search: { url: 'search?q={businessName}&z={zip}', found: { selector: '.result' } } },
      serverErrorMeans: 'not-recorded',
      timeouts: { stepMs: 5000, submitMs: 20000 },
    };
    expect(problems(full)).toEqual([]);
    expect(problems({ ...full, verify: { url: 'listed?website={website}' } })).toEqual([]);
  });

  it('refuses what would not work', () => {
    expect(problems({ ...base, capture: {} })).toEqual(['capture: capture needs a selector, a pattern or both']);
    expect(problems({ ...base, capture: { pattern: '(' } })).toEqual(['capture.pattern: not a valid regular expression']);
    expect(problems({ ...base, verify: {} })).toEqual(['verify: verify needs a url or a search']);
    expect(problems({ ...base, verify: { search: { url: 'search?q={name}', found: { text: 'x' } } } })[0]).toMatch(/^verify\.search\.url: a \{placeholder\} must be a customer field/);
    expect(problems({ ...base, verify: { search: { url: 'search', found: {} } } })).toEqual(['verify.search.found: found needs a text or a selector']);
    expect(problems({ ...base, serverErrorMeans: 'retry' })).toEqual(['serverErrorMeans: serverErrorMeans is unknown (the default) or not-recorded']);
    expect(problems({ ...base, timeouts: { stepMs: 10 } })).toEqual(['timeouts.stepMs: stepMs is at least 1000']);
    expect(problems({ ...base, steps: [{ ...base.steps[0], waitFor: {} }] })).toEqual(['steps.0.waitFor: waitFor needs a selector, a text or a url']);
  });
});

describe('adapter schema: assisted', () => {
  it('takes assisted: true on a form definition, kept as written', () => {
    expect(problems({ ...base, assisted: true })).toEqual([]);
    expect(adapterSchema.parse({ ...base, assisted: true }).assisted).toBe(true);
    expect(adapterSchema.parse(base).assisted).toBeUndefined();
  });

  it('refuses assisted on a code adapter, and anything but true or false', () => {
    expect(problems({ version: 1, code: 'fetch-form', assisted: true })).toEqual(['assisted: assisted applies to a form given by steps (the staff extension fills it for a person), not to a code adapter']);
    expect(problems({ ...base, assisted: 'yes' })).toEqual(['assisted: assisted must be true (a person finishes this form) or false']);
  });
});
