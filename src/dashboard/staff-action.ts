import type { Response } from 'express';
import type { AuditEntry } from '../audit/audit.service';
import { StaffRequest } from '../auth/staff-sessions';
import { ProblemException } from '../common/problem.filter';

/** Who did it, for the audit log. */
export function staffActor(req: StaffRequest): Omit<AuditEntry, 'action'> {
  const staff = req.staff as NonNullable<StaffRequest['staff']>;
  return { actorType: 'staff', actorId: staff.id, actor: staff.email, ip: req.ip };
}

/** Viewers look; only staff admins act. */
export function requireAdmin(req: StaffRequest): void {
  if (req.staff?.role !== 'admin') throw new ProblemException(403, `Viewers may look but not act; this needs the staff role admin (you are ${req.staff?.role ?? 'signed out'}).`);
}

/** Post/redirect/get: the next page shows what happened, once. */
export async function redirectWith(req: StaffRequest, res: Response, to: string, kind: 'notice' | 'error', text: string): Promise<void> {
  req.session.flash = { kind, text };
  await savedSession(req);
  res.redirect(303, to);
}

/**
 * Saves the session before answering. express-session saves at the end of the response but sends
 * the headers first, so a browser following a redirect can load the session before the change
 * is stored (and a sign-in or a notice would be lost): save first, then redirect.
 */
export function savedSession(req: StaffRequest): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/** A dashboard path to go back to after an action; anything else goes to `fallback`. */
export function backTo(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/dashboard(\/|\?|$)/.test(value) && !value.includes('//') ? value : fallback;
}

/** The message of an error an action may expect (409 and the like); others propagate. */
export function expected(err: unknown): string {
  if (err instanceof ProblemException && err.getStatus() < 500) return err.message;
  throw err;
}
