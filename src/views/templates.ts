import { join } from 'node:path';
import nunjucks from 'nunjucks';
import type { AppConfig } from '../config/config.schema';

/** Layouts every staff page extends (base.njk: the document, the shared stylesheet). */
export const LAYOUTS_DIR = join(__dirname, 'layouts');

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nunjucks passes a template's values untyped.
export type Filter = (...args: any[]) => unknown;

/**
 * Server-rendered staff pages (Nunjucks, autoescaping every value): one feature's own templates
 * (`pagesDir`) over the shared layouts, so the sign-in page and the dashboard look alike without
 * either importing the other. A feature adds filters of its own; templates are cached except in
 * development.
 */
export class Templates {
  private readonly env: nunjucks.Environment;

  constructor(config: Pick<AppConfig, 'NODE_ENV'>, pagesDir: string, filters: Record<string, Filter> = {}) {
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader([pagesDir, LAYOUTS_DIR], { noCache: config.NODE_ENV === 'development' }), {
      autoescape: true,
      throwOnUndefined: false,
    });
    this.env.addFilter('duration', duration);
    this.env.addFilter('timestamp', timestamp);
    this.env.addFilter('label', (s: string | null | undefined) => (s ?? '').replace(/_/g, ' '));
    for (const [name, filter] of Object.entries(filters)) this.env.addFilter(name, filter);
  }

  render(template: string, context: Record<string, unknown>): string {
    return this.env.render(template, context);
  }
}
