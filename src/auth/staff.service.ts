import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { DEFAULT_SCRYPT_N, dummyHash, hashPassword, needsRehash, verifyPassword } from './password';

export const STAFF_ROLES = ['admin', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
}

/** At least this long; no other composition rules (NIST SP 800-63B). */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * Creates a staff account; a plain function so the `staff` command can make the first one.
 * `scryptN`: the hash's cost, STAFF_PASSWORD_SCRYPT_N where the caller has the config.
 */
export async function createStaff(m: EntityManager, email: string, password: string, role: StaffRole, scryptN = DEFAULT_SCRYPT_N): Promise<StaffMember> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const [row] = await m.query(
    `INSERT INTO staff_users (email, password_hash, role) VALUES (lower($1), $2, $3) RETURNING id, email, role`,
    [email.trim(), await hashPassword(password, scryptN), role],
  );
  return row;
}

@Injectable()
export class StaffService {
  private readonly logger = new Logger(StaffService.name);
  private readonly scryptN: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.scryptN = config.STAFF_PASSWORD_SCRYPT_N;
  }

  /**
   * The staff member with this email and password, if enabled; as slow for a wrong email as for a
   * wrong password. A correct password whose hash is weaker than the configured cost gets a new
   * hash now: the only moment the password itself is at hand.
   */
  async verify(email: string, password: string): Promise<StaffMember | undefined> {
    const [row]: Array<StaffMember & { password_hash: string }> = await this.db.query(
      `SELECT id, email, role, password_hash FROM staff_users WHERE email = lower($1) AND disabled_at IS NULL`,
      [email.trim()],
    );
    const ok = await verifyPassword(password, row?.password_hash ?? dummyHash(this.scryptN));
    if (!ok || !row) return undefined;
    if (needsRehash(row.password_hash, this.scryptN)) await this.rehash(row.id, row.password_hash, password);
    return { id: row.id, email: row.email, role: row.role };
  }

  private async rehash(id: string, old: string, password: string): Promise<void> {
    try {
      // Only if the hash is still the one verified: a password changed meanwhile wins.
      await this.db.query(`UPDATE staff_users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, [await hashPassword(password, this.scryptN), id, old]);
    } catch (err) {
      // The sign-in itself is good; the upgrade is tried again at the next one.
      this.logger.warn(`password hash of staff ${id} not upgraded: ${(err as Error).message}`);
    }
  }

  /** The current state of a signed-in member: a disabled account or a changed role takes effect at once. */
  async current(id: string): Promise<StaffMember | undefined> {
    const [row] = await this.db.query(`SELECT id, email, role FROM staff_users WHERE id = $1 AND disabled_at IS NULL`, [id]);
    return row;
  }
}

/**
 * Which of these staff sessions are still signed in: the session exists and has not expired, and
 * its member is enabled. A plain function, so the API's open event streams can check their holders.
 */
export async function signedInSessions(m: EntityManager, sessionIds: string[]): Promise<Set<string>> {
  if (!sessionIds.length) return new Set();
  const rows: Array<{ sid: string }> = await m.query(
    `SELECT s.sid FROM staff_sessions s JOIN staff_users u ON u.id::text = s.sess->>'staffId'
      WHERE s.sid = ANY($1) AND s.expire > now() AND u.disabled_at IS NULL`,
    [sessionIds],
  );
  return new Set(rows.map((r) => r.sid));
}
