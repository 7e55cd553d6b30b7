import { adapterSchema } from './adapter.schema';
import { checkDirectory, directoryJsonSchema } from './directory.schema';

/** A definition may name a code adapter instead of giving steps. */
const directory = (adapter: Record<string, unknown>) => checkDirectory({ id: 'spa', name: 'SPA', submitUrl: 'https://spa.example/add', adapter: { version: 1, ...adapter } });
const errorsOf = (r: ReturnType<typeof checkDirectory>) => (r.ok ? [] : r.errors);
const form = { steps: [{ fields: [{ field: 'businessName', target: { css: '#n' } }], advance: { css: 'button' } }], success: { text: 'Thanks' }, failure: { selectors: ['.error'] } };

it('takes code: <name> with the keys that apply to it', () => {
  const r = directory({ code: 'fetch-form', permanentFailures: ['already listed'], verify: { url: 'listed?website={website}' }, limits: { perMinute: 5 }, timeouts: { stepMs: 5000 } });
  expect(errorsOf(r)).toEqual([]);
  expect(adapterSchema.parse({ version: 1, code: 'fetch-form' })).toEqual({ version: 1, code: 'fetch-form', permanentFailures: [] });
});

it('names a code adapter this Boltline does not have, at code', () => {
  expect(errorsOf(directory({ code: 'nope' }))).toEqual([{ field: 'adapter.code', messages: ["code must name one of this Boltline's code adapters: fetch-form"] }]);
});

it('wants exactly one of steps and code, and the answer rules only with steps', () => {
  expect(errorsOf(directory({ ...form, code: 'fetch-form' }))).toEqual([
    { field: 'adapter.code', messages: ['give exactly one of steps (a form the runner fills) or code (a code adapter by name), not both'] },
  ]);
  // Neither: what a form definition lacks, as before code adapters (steps' message offers code).
  expect(errorsOf(directory({}))[0]).toEqual({ field: 'adapter.steps', messages: ["give the form's steps (or code: the name of a code adapter)"] });
  expect(errorsOf(directory({})).map((e) => e.field)).toEqual(['adapter.steps', 'adapter.success', 'adapter.failure']);
  expect(errorsOf(directory({ code: 'fetch-form', success: { text: 'Thanks' }, capture: { pattern: 'ref (\\d+)' } })).map((e) => e.field)).toEqual(['adapter.success', 'adapter.capture']);
  expect(errorsOf(directory({ steps: form.steps, failure: form.failure }))).toEqual([
    { field: 'adapter.success', messages: ['success is required with steps (what the page shows when it accepted)'] },
  ]);
  expect(errorsOf(directory(form))).toEqual([]);
});

it('publishes code and its names in the JSON Schema', () => {
  const adapter = (directoryJsonSchema().properties as Record<string, { properties: Record<string, { enum?: string[] }>; required?: string[] }>).adapter;
  expect(adapter.properties.code.enum).toEqual(['fetch-form']);
  expect(adapter.required).toEqual(['version']);
});
