import { Inject, Injectable, Module } from '@nestjs/common';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { orderBadge } from './order-badge';

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
 * The staff pages' templates (Nunjucks, autoescaping every value): the dashboard's and the
 * sign-in page's, which shares their stylesheet. Templates are cached except in development.
 */
@Injectable()
export class Templates {
  private readonly env: nunjucks.Environment;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR, { noCache: config.NODE_ENV === 'development' }), {
      autoescape: true,
      throwOnUndefined: false,
    });
    this.env.addFilter('duration', duration);
    this.env.addFilter('timestamp', timestamp);
    this.env.addFilter('label', (s: string | null | undefined) => (s ?? '').replace(/_/g, ' '));
    this.env.addFilter('badge', orderBadge);
  }

  render(template: string, context: Record<string, unknown>): string {
    return this.env.render(template, context);
  }
}

@Module({ providers: [Templates], exports: [Templates] })
export class TemplatesModule {}
