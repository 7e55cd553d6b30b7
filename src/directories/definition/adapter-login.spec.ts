import { checkDirectory } from './directory.schema';

/** The sign-in part of the adapter language: `login`, and `credential` values only inside it. */
const SEND = { role: 'button', name: 'Send' };
const withAdapter = (extra: Record<string, unknown>, steps: unknown[] = [{ fields: [{ field: 'businessName', target: { label: 'Name' } }], advance: SEND }]) =>
  checkDirectory({
    id: 'login',
    name: 'Login',
    submitUrl: 'https://members.example/add',
    adapter: { version: 1, steps, success: { selectors: ['.ok'] }, failure: { selectors: ['.no'] }, ...extra },
  });
const errorsOf = (r: ReturnType<typeof checkDirectory>) => (r.ok ? [] : r.errors);

const LOGIN = {
  url: '/login',
  steps: [
    {
      fields: [
        { credential: 'username', target: { label: 'Username' } },
        { credential: 'password', target: { label: 'Password' } },
      ],
      advance: { role: 'button', name: 'Sign in' },
    },
  ],
  success: { selectors: ['#signed-in'] },
};

it('takes a login with credential values, url and success optional', () => {
  expect(withAdapter({ login: LOGIN }).ok).toBe(true);
  const { url: _u, success: _s, ...bare } = LOGIN;
  const minimal = withAdapter({ login: bare });
  expect(minimal.ok).toBe(true);
  expect(minimal.ok && minimal.value.adapter.login?.steps[0].fields[1]).toMatchObject({ credential: 'password', kind: 'fill' });
  // Definitions without login are unchanged.
  expect(withAdapter({}).ok && (withAdapter({}) as { value: { adapter: object } }).value.adapter).not.toHaveProperty('login');
});

it('refuses a credential in the listing form, by the path to fix', () => {
  const r = withAdapter({ login: LOGIN }, [{ fields: [{ field: 'businessName', target: { label: 'Name' } }, { credential: 'password', target: { label: 'PIN' } }], advance: SEND }]);
  expect(errorsOf(r)).toEqual([
    { field: 'adapter.steps[0].fields[1].credential', messages: ['credential values are only allowed in login.steps (the sign-in form), never in the listing form'] },
  ]);
});

it('names what is wrong with a login', () => {
  expect(errorsOf(withAdapter({ login: { steps: [] } }))).toEqual([{ field: 'adapter.login.steps', messages: ['give at least one login step'] }]);
  expect(errorsOf(withAdapter({ login: { ...LOGIN, user: 'x' } })).map((e) => e.field)).toEqual(['adapter.login']);
  const bad = withAdapter({
    login: { steps: [{ fields: [{ credential: '1pass', target: { css: '#p' } }, { credential: 'password', const: 'x', target: { css: '#q' } }], advance: SEND }], success: {} },
  });
  expect(errorsOf(bad)).toEqual([
    { field: 'adapter.login.steps[0].fields[0].credential', messages: [expect.stringContaining('credential must be the name of a stored credential value')] },
    { field: 'adapter.login.steps[0].fields[1]', messages: ['give exactly one of field, const, template or (in login steps) credential (found const and credential)'] },
    { field: 'adapter.login.success', messages: ['give at least one of selectors, text, url, status'] },
  ]);
});
