import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { StaffRequest, StaffSessions } from '../auth/staff-sessions';
import { BULL_BOARD_ROUTE, BULL_BOARD_VIEW_ROUTE } from './bull-board.constants';
import { Templates } from '../views/templates';

/**
 * Dashboard pages: a template (see Templates) plus what every page shares: the signed-in member,
 * their CSRF token, a one-time notice from the last action.
 */
@Injectable()
export class Views {
  constructor(
    private readonly sessions: StaffSessions,
    private readonly templates: Templates,
  ) {}

  /** Renders a whole page, showing (and so using up) the last action's notice. */
  send(req: StaffRequest, res: Response, template: string, context: Record<string, unknown>, status = 200): void {
    const flash = req.session.flash;
    if (flash) delete req.session.flash;
    this.render(req, res, template, { ...context, flash }, status);
  }

  /** Renders a part of a page, for live updates: it leaves any notice for the next page. */
  fragment(req: StaffRequest, res: Response, template: string, context: Record<string, unknown>): void {
    this.render(req, res, template, context, 200);
  }

  private render(req: StaffRequest, res: Response, template: string, context: Record<string, unknown>, status: number): void {
    const staff = req.staff;
    const html = this.templates.render(template, {
      ...context,
      staff,
      canAct: staff?.role === 'admin',
      csrf: this.sessions.csrfToken(req),
      path: req.path,
      bullBoard: staff?.role === 'admin' ? BULL_BOARD_ROUTE : BULL_BOARD_VIEW_ROUTE,
    });
    res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(html);
  }
}

declare module 'express-session' {
  interface SessionData {
    /** A one-time message for the next page: what the last action did, or why it did not. */
    flash?: { kind: 'notice' | 'error'; text: string };
  }
}
