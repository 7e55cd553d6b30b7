import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';

export const STAFF_ROLES = ['admin', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
}

/** At least this long; no other composition rules (NIST SP 800-63B). */
export const MIN_PASSWORD_LENGTH = 12;

/** Creates a staff account; a plain function so the `staff` command can make the first one. */
export async function createStaff(m: EntityManager, email: string, password: string, role: StaffRole): Promise<StaffMember> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const [row] = await m.query(
    `INSERT INTO staff_users (email, password_hash, role) VALUES (lower($1), $2, $3) RETURNING id, email, role`,
    [email.trim(), await hashPassword(password), role],
  );
  return row;
}

@Injectable()
export class StaffService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The staff member with this email and password, if enabled; as slow for a wrong email as for a wrong password. */
  async verify(email: string, password: string): Promise<StaffMember | undefined> {
    const [row]: Array<StaffMember & { password_hash: string }> = await this.db.query(
      `SELECT id, email, role, password_hash FROM staff_users WHERE email = lower($1) AND disabled_at IS NULL`,
      [email.trim()],
    );
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    return ok && row ? { id: row.id, email: row.email, role: row.role } : undefined;
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
