import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DEFAULT_SCRYPT_N } from '../config/config.schema';

export { DEFAULT_SCRYPT_N };

/**
 * scrypt (memory-hard, in node:crypto: no native build to approve) with r=8, p=1 and a cost N of
 * at least 2^17 in production (OWASP's floor): 128 MiB and about 0.3-0.5 s of one core per hash.
 * N is configurable (STAFF_PASSWORD_SCRYPT_N) so it can grow; parameters are stored with each hash,
 * so older hashes still verify and are replaced at their owner's next sign-in (needsRehash).
 */
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

interface Params {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, p: Params): Promise<Buffer> {
  // scrypt needs 128*N*r bytes; node refuses above maxmem (32 MiB by default), so allow twice that.
  const options: ScryptOptions = { ...p, maxmem: 128 * p.N * p.r * 2 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

function parse(stored: string): (Params & { salt: string; hash: string }) | undefined {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return undefined;
  return { N: Number(n), r: Number(r), p: Number(p), salt, hash };
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export async function hashPassword(password: string, N = DEFAULT_SCRYPT_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const s = parse(stored);
  if (!s) return false;
  const expected = Buffer.from(s.hash, 'base64');
  const key = await derive(password, Buffer.from(s.salt, 'base64'), s);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** True when `stored` is weaker than a hash made now at cost `N` would be (a stronger one is kept). */
export function needsRehash(stored: string, N: number): boolean {
  const s = parse(stored);
  return !s || s.N < N || s.r !== R || s.p !== P;
}

/**
 * A hash of nothing at cost `N`, verified against when the email is unknown, so that answer takes
 * as long as a wrong password for a known one (hashed at the current cost).
 */
export function dummyHash(N: number): string {
  return `scrypt$${N}$${R}$${P}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;
}
