import { DEFAULT_SCRYPT_N, hashPassword, needsRehash, verifyPassword } from './password';

describe('staff password hashes', () => {
  it('are scrypt at N=2^17, r=8, p=1 by default, and verify only the right password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(DEFAULT_SCRYPT_N).toBe(2 ** 17);
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(needsRehash(stored, DEFAULT_SCRYPT_N)).toBe(false);
  });

  it('of a lower cost still verify, and are due for a new hash', async () => {
    const old = await hashPassword('correct horse battery staple', 2 ** 15); // the cost before 2^17
    expect(old).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery staple', old)).toBe(true);
    expect(needsRehash(old, DEFAULT_SCRYPT_N)).toBe(true);
    // One stronger than the configured cost is kept.
    expect(needsRehash(old, 2 ** 14)).toBe(false);
  });

  it('that are not ours verify nothing', async () => {
    expect(await verifyPassword('x', 'bcrypt$2b$12$abc')).toBe(false);
    expect(needsRehash('bcrypt$2b$12$abc', DEFAULT_SCRYPT_N)).toBe(true);
  });
});
