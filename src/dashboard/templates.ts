import { join } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { Templates } from '../views/templates';
import { orderBadge } from './order-badge';

export const VIEWS_DIR = join(__dirname, 'views');
export const ASSETS_DIR = join(__dirname, 'public');

/** The dashboard's pages, with the order badge its lists and order page show. */
export function dashboardTemplates(config: Pick<AppConfig, 'NODE_ENV'>): Templates {
  return new Templates(config, VIEWS_DIR, { badge: orderBadge });
}

export const DashboardTemplates: FactoryProvider<Templates> = { provide: Templates, inject: [APP_CONFIG], useFactory: dashboardTemplates };
