import type { Response } from 'express';
import type { AuditEntry } from '../audit/audit.service';
import { saveSession, StaffRequest } from '../auth/staff-sessions';
import { ProblemException } from '../common/problem.filter';

/** Who did it, for the audit log. */
export function staffActor(req: StaffRequest): Omit<AuditEntry, 'action'> {
  const staff = req.staff as NonNullable<StaffRequest['staff']>;
  return { actorType: 'staff', actorId: staff.id, actor: staff.email, ip: req.ip };
}

/** Post/redirect/get: the next page shows what happened, once. */
export async function redirectWith(req: StaffRequest, res: Response, to: string, kind: 'notice' | 'error', text: string): Promise<void> {
  req.session.flash = { kind, text };
  await saveSession(req);
  res.redirect(303, to);
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
