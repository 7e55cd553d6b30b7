import { parseCli, UsageError } from './cli-args';

const parse = (args: string[], env: Record<string, string> = {}) => parseCli(args, env, 'box.example.com');

describe('the remote worker\'s command line', () => {
  it('takes the API and the key, with defaults for the rest', () => {
    expect(parse(['--api', 'https://boltline.example/', '--key', 'k'])).toEqual({ api: 'https://boltline.example', key: 'k', id: 'box.example.com', slots: 1, chromium: undefined, sandbox: 'auto' });
  });

  it('reads BOLTLINE_API, BOLTLINE_KEY and CHROMIUM_PATH; options win', () => {
    const env = { BOLTLINE_API: 'http://127.0.0.1:3000', BOLTLINE_KEY: 'from-env', CHROMIUM_PATH: '/opt/chromium' };
    expect(parse([], env)).toMatchObject({ api: 'http://127.0.0.1:3000', key: 'from-env', chromium: '/opt/chromium' });
    expect(parse(['--key', 'k', '--chromium', '/usr/bin/chromium', '--slots', '3', '--id', 'w-1'], env)).toMatchObject({ key: 'k', chromium: '/usr/bin/chromium', slots: 3, id: 'w-1' });
  });

  it('takes Boltline\'s address with or without the API prefix, under a path too', () => {
    expect(parse(['--api', 'https://b.example/api/v1/', '--key', 'k']).api).toBe('https://b.example');
    expect(parse(['--api', 'https://b.example/boltline', '--key', 'k']).api).toBe('https://b.example/boltline');
  });

  it.each([
    [[], /--api/],
    [['--api', 'https://b.example'], /--key/],
    [['--api', 'ftp://b.example', '--key', 'k'], /http\(s\)/],
    [['--api', 'https://user:pw@b.example', '--key', 'k'], /http\(s\) address/],
    [['--api', 'nonsense', '--key', 'k'], /not a URL/],
    [['--api', 'https://b.example', '--key', 'k', '--slots', '0'], /--slots/],
    [['--api', 'https://b.example', '--key', 'k', '--slots', '21'], /--slots/],
    [['--api', 'https://b.example', '--key', 'k', '--id', 'has space'], /--id/],
    [['--api', 'https://b.example', '--key', 'k', '--sandbox', 'maybe'], /--sandbox/],
    [['--api', 'https://b.example', '--key', 'k', '--unknown'], /unknown/i],
  ])('refuses %j, saying what is wrong', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });

  it('never echoes a password given in the API address', () => {
    expect(() => parse(['--api', 'https://user:s3cret@b.example', '--key', 'k'])).not.toThrow(/s3cret/);
  });

  it('names the worker after the host name, shortened to what an id may hold', () => {
    expect(parseCli(['--api', 'https://b.example', '--key', 'k'], {}, `${'x'.repeat(70)}.example`).id).toBe('x'.repeat(64));
  });
});
