import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['jobs:read', 'jobs:write', 'worker', 'worker:credentials', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** `bl_live_` + 16 hex characters of id + `_` + 43 base64url characters of secret (256 bits). */
const KEY_FORMAT = /^bl_live_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  id: string;
  /** The whole key, to show once. */
  token: string;
  secretSha256: Buffer;
}

export function generateKey(): GeneratedKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `bl_live_${id}_${secret}`, secretSha256: sha256(secret) };
}

/** The id and secret of a well-formed key, or undefined. */
export function parseKey(token: string): { id: string; secret: string } | undefined {
  const m = KEY_FORMAT.exec(token);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** Constant-time comparison of a presented secret with the stored digest. */
export function secretMatches(secret: string, stored: Buffer): boolean {
  const given = sha256(secret);
  return stored.length === given.length && timingSafeEqual(given, stored);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
