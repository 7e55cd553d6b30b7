import { EgressPolicy, Resolver, targetEndpoint } from './egress-policy';

/** A resolver with fixed answers; counts the questions, so a test can tell none was asked. */
function resolver(answers: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: Resolver = async (host) => {
    asked.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

const rows = [
  { submitUrl: 'https://dir.example/add/', verifyUrl: 'listed?website={website}' },
  { submitUrl: 'http://two.example:8080/form', verifyUrl: 'https://api.two.example/check?w={website}' },
  { submitUrl: 'https://members.example/add', loginUrl: 'https://accounts.example/sign-in' },
  { submitUrl: 'http://internal.example/form' },
  { submitUrl: 'http://rebind.example/form' },
  { submitUrl: 'http://127.0.0.1:4000/d/sandbox-0001/' },
  { submitUrl: 'http://[::1]:4000/d/sandbox-0001/' },
  { submitUrl: 'http://169.254.169.254/latest/meta-data/' },
  { submitUrl: 'http://compat.example/form' },
  { submitUrl: 'http://[::7f00:1]/form' },
  { submitUrl: 'file:///etc/passwd' },
  { submitUrl: 'https://{website}/listed', verifyUrl: null },
];

describe('EgressPolicy', () => {
  const { resolve, asked } = resolver({
    'dir.example': ['93.184.216.34'],
    'two.example': ['93.184.216.35'],
    'api.two.example': ['2606:4700::1111'],
    'accounts.example': ['93.184.216.37'],
    'internal.example': ['10.0.0.7', '127.0.0.1'],
    'rebind.example': ['127.0.0.1', '93.184.216.36'],
    // AAAA records in ::/96, printed the way node's lookup prints them
    'compat.example': ['::8.8.8.8', '::127.0.0.1'],
  });
  const policy = EgressPolicy.fromCatalogue(rows, ['http://127.0.0.1:4000'], resolve);
  beforeEach(() => asked.splice(0));

  it('lets catalogue origins (forms, sign-in pages and verify checks) through, pinned to the address it checked', async () => {
    await expect(policy.check('accounts.example', 443)).resolves.toMatchObject({ kind: 'allow', address: '93.184.216.37' });
    await expect(policy.check('dir.example', 443)).resolves.toEqual({ kind: 'allow', endpoint: 'dir.example:443', address: '93.184.216.34', family: 4 });
    await expect(policy.check('two.example', 8080)).resolves.toMatchObject({ kind: 'allow', address: '93.184.216.35' });
    await expect(policy.check('api.two.example', 443)).resolves.toMatchObject({ kind: 'allow', address: '2606:4700::1111', family: 6 });
    // Of a name's addresses, only a public one is ever used.
    await expect(policy.check('rebind.example', 80)).resolves.toMatchObject({ kind: 'allow', address: '93.184.216.36' });
  });

  it('refuses every other host and port without resolving anything', async () => {
    for (const [host, port] of [['dir.example', 80], ['two.example', 80], ['evil.example', 443], ['127.0.0.1', 4001], ['canary.localhost', 4000], ['localhost', 4000], ['[::1]', 4001]] as const) {
      await expect(policy.check(host, port)).resolves.toMatchObject({ kind: 'block', reason: 'not a catalogue origin' });
    }
    expect(asked).toEqual([]);
  });

  it('refuses a catalogue origin whose every address is private, loopback or link-local', async () => {
    await expect(policy.check('internal.example', 80)).resolves.toEqual({
      kind: 'block',
      endpoint: 'internal.example:80',
      reason: 'resolves to 10.0.0.7 (ipv4 private)',
    });
    await expect(policy.check('169.254.169.254', 80)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to 169.254.169.254 (ipv4 linkLocal)' });
    await expect(policy.check('[::1]', 4000)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to ::1 (ipv6 loopback)' });
  });

  it('refuses IPv4-compatible IPv6 (::/96), as a name\'s addresses and as a literal', async () => {
    await expect(policy.check('compat.example', 80)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to ::8.8.8.8 (ipv6 ipv4Compatible)' });
    await expect(policy.check('[::7f00:1]', 80)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to ::7f00:1 (ipv6 ipv4Compatible)' });
    await expect(policy.check('[::127.0.0.1]', 80)).resolves.toMatchObject({ kind: 'block', endpoint: '[::7f00:1]:80' });
  });

  it('lets an exempt (sandbox) origin reach loopback, and only that one', async () => {
    await expect(policy.check('127.0.0.1', 4000)).resolves.toEqual({ kind: 'allow', endpoint: '127.0.0.1:4000', address: '127.0.0.1', family: 4 });
    await expect(policy.check('[::1]', 4000)).resolves.toMatchObject({ kind: 'block' });
  });

  it('an exempt origin reaches only loopback or private addresses, and only one that passed', async () => {
    const dns = resolver({
      'sandbox.test': ['169.254.169.254', '0.0.0.0', '::7f00:1', '127.0.0.1', '10.0.0.5'],
      'metadata.test': ['169.254.169.254', 'fe80::1'],
      'any.test': ['0.0.0.0', '::'],
    });
    const origins = ['http://sandbox.test:4000', 'http://metadata.test:4000', 'http://any.test:4000', 'http://169.254.169.254', 'http://[::7f00:1]:4000'];
    const exempt = EgressPolicy.fromCatalogue(origins.map((o) => ({ submitUrl: `${o}/d/` })), origins, dns.resolve);
    // The first address that passed, not the first address.
    await expect(exempt.check('sandbox.test', 4000)).resolves.toEqual({ kind: 'allow', endpoint: 'sandbox.test:4000', address: '127.0.0.1', family: 4 });
    await expect(exempt.check('metadata.test', 4000)).resolves.toEqual({ kind: 'block', endpoint: 'metadata.test:4000', reason: 'resolves to 169.254.169.254 (ipv4 linkLocal)' });
    await expect(exempt.check('any.test', 4000)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to 0.0.0.0 (ipv4 unspecified)' });
    await expect(exempt.check('169.254.169.254', 80)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to 169.254.169.254 (ipv4 linkLocal)' });
    await expect(exempt.check('[::7f00:1]', 4000)).resolves.toMatchObject({ kind: 'block', reason: 'resolves to ::7f00:1 (ipv6 ipv4Compatible)' });
  });

  it('an exempt origin outside the catalogue is still refused', async () => {
    const other = EgressPolicy.fromCatalogue(rows, ['http://127.0.0.1:5000'], resolve);
    await expect(other.check('127.0.0.1', 5000)).resolves.toMatchObject({ kind: 'block', reason: 'not a catalogue origin' });
  });

  it('says a name that does not resolve is a failed connection, not a policy decision', async () => {
    const missing = EgressPolicy.fromCatalogue([{ submitUrl: 'https://gone.example/' }], [], resolve);
    await expect(missing.check('gone.example', 443)).resolves.toMatchObject({ kind: 'fail', reason: 'cannot resolve gone.example: ENOTFOUND' });
  });

  it('compares hosts the way URL normalises them', () => {
    expect(targetEndpoint('DIR.Example', 443)).toBe('dir.example:443');
    expect(targetEndpoint('dir.example.', 443)).toBe('dir.example:443');
    expect(targetEndpoint('::1', 80)).toBe('[::1]:80');
    expect(targetEndpoint('[::ffff:127.0.0.1]', 80)).toBe('[::ffff:7f00:1]:80');
    expect(targetEndpoint('0x7f.1', 80)).toBe('127.0.0.1:80');
    expect(targetEndpoint('bad host', 80)).toBeUndefined();
    // Only a host: nothing URL would read as a user, a port or a path, and no empty label.
    for (const bad of ['user@dir.example', 'dir.example:443', 'dir.example/x', 'dir.example?x', 'dir.example\\x', 'dir.example..', '.', '%40dir.example']) {
      expect([bad, targetEndpoint(bad, 443)]).toEqual([bad, undefined]);
    }
    expect(targetEndpoint('dir.example', 0)).toBeUndefined();
  });

  /** A CONNECT's host as proxy-chain hands it over: `new URL('connect://…')` leaves it un-normalised. */
  const connectHost = (hostPort: string) => new URL(`connect://${hostPort}`).hostname;

  it('resolves the very name it compared, however the CONNECT spelled it (case, trailing dot, IDNA, percent-encoding)', async () => {
    const dns = resolver({ 'dir.example': ['93.184.216.34'], 'xn--bcher-kva.example': ['93.184.216.40'] });
    const idn = EgressPolicy.fromCatalogue([{ submitUrl: 'https://dir.example/' }, { submitUrl: 'https://bücher.example/' }], [], dns.resolve);
    const spellings = ['DIR.Example.:443', '%64ir.example:443', '\uff24\uff29\uff32\u3002example:443', 'd\u00adir.example:443'];
    for (const spelling of spellings) {
      expect([spelling, await idn.check(connectHost(spelling), 443)]).toEqual([spelling, { kind: 'allow', endpoint: 'dir.example:443', address: '93.184.216.34', family: 4 }]);
    }
    await expect(idn.check(connectHost('BÜCHER.example:443'), 443)).resolves.toMatchObject({ kind: 'allow', endpoint: 'xn--bcher-kva.example:443', address: '93.184.216.40' });
    expect(dns.asked).toEqual([...spellings.map(() => 'dir.example'), 'xn--bcher-kva.example']);
  });

  it('an exempt endpoint is compared and resolved in the same spelling too', async () => {
    // A single-label name: resolved raw, `sandbox.` would be absolute and `sandbox` subject to the
    // resolver's search domains; the one canonical name is asked, and only it.
    const dns = resolver({ sandbox: ['10.0.0.9'] });
    const exempt = EgressPolicy.fromCatalogue([{ submitUrl: 'https://sandbox:4443/d/' }], ['https://SANDBOX.:4443'], dns.resolve);
    for (const spelling of ['sandbox:4443', 'SANDBOX.:4443', '%73andbox:4443']) {
      await expect(exempt.check(connectHost(spelling), 4443)).resolves.toEqual({ kind: 'allow', endpoint: 'sandbox:4443', address: '10.0.0.9', family: 4 });
    }
    expect(dns.asked).toEqual(['sandbox', 'sandbox', 'sandbox']);
  });
});
