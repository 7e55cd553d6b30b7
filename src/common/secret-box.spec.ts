import { randomBytes } from 'node:crypto';
import { parseSecretsKey, SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, for what it was bound to, and nothing else', () => {
    const sealed = box.seal('hunter2', 'acme-listings');
    expect(sealed.includes(Buffer.from('hunter2'))).toBe(false);
    expect(box.open(sealed, 'acme-listings')).toBe('hunter2');
    expect(() => box.open(sealed, 'other-directory')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'acme-listings')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => box.open(tampered, 'acme-listings')).toThrow();
  });

  it('seals the same text differently each time (a fresh IV)', () => {
    expect(box.seal('same', 'a').equals(box.seal('same', 'a'))).toBe(false);
  });

  it('takes a 32-byte key in base64 or hex, and nothing shorter or malformed', () => {
    const key = randomBytes(32);
    expect(parseSecretsKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseSecretsKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseSecretsKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseSecretsKey('not a key at all, but 44 characters long ok!')).toBeUndefined();
  });
});
