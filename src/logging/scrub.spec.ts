import { scrubSecrets } from './scrub';

describe('scrubSecrets', () => {
  it.each([
    ['an API key', `Bearer bl_live_0123456789abcdef_${'x'.repeat(43)} refused`, 'Bearer bl_live_0123456789abcdef_[redacted] refused'],
    ['a password in a connection string', 'connect postgres://app:s3cr%40t@db:5432/boltline failed', 'connect postgres://app:[redacted]@db:5432/boltline failed'],
    ['a redis URL with user and password', 'redis://boltline:hunter2hunter2@redis:6379', 'redis://boltline:[redacted]@redis:6379'],
    ['a session cookie', 'cookie: boltline.sid=s%3Aabc.def; other=1', 'cookie: boltline.sid=[redacted]; other=1'],
    ['a password field in text', '{"email":"a@b.c","password":"correct horse"}', '{"email":"a@b.c","password":"[redacted]"}'],
    ['a form body', 'email=a%40b.c&password=hunter2&_csrf=x', 'email=a%40b.c&password=[redacted]&_csrf=x'],
    ['a password hash', 'hash scrypt$32768$8$1$c2FsdA==$aGFzaA==', 'hash scrypt$[redacted]'],
  ])('removes %s', (_, input, output) => {
    expect(scrubSecrets(input)).toBe(output);
  });

  it('leaves ordinary text alone', () => {
    const line = 'GET http://127.0.0.1:3000/api/v1/jobs 200 in 4 ms; user postgres@127.0.0.1';
    expect(scrubSecrets(line)).toBe(line);
  });
});
