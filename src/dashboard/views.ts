import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { StaffRequest, StaffSessions } from '../auth/staff-sessions';
import { BULL_BOARD_ROUTE, BULL_BOARD_VIEW_ROUTE } from './bull-board.constants';

export const VIEWS_DIR = join(__dirname, 'views');
export const ASSETS_DIR = join(__dirname, 'public');

/** "2.5 s", "3 min 4 s": durations as staff read them. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "2026-11-24 21:40:05 UTC": one unambiguous form for every time on the dashboard. */
export function timestamp(value: Date | string | null | undefined): string {
  if (!value) return '';
  return new Date(value).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/**
 * The dashboard's templates (Nunjucks, autoescaping every value) and what each page shares: the
 * signed-in member, their CSRF token, a one-time notice from the last action.
 */
@Injectable()
export class Views {
  private readonly env: nunjucks.Environment;

  constructor(
    private readonly sessions: StaffSessions,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR, { noCache: config.NODE_ENV === 'development' }), {
      autoescape: true,
      throwOnUndefined: false,
    });
    this.env.addFilter('duration', duration);
    this.env.addFilter('timestamp', timestamp);
    this.env.addFilter('label', (s: string | null | undefined) => (s ?? '').replace(/_/g, ' '));
  }

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
    const html = this.env.render(template, {
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
