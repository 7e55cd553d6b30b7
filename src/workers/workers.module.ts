import { Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { checkSecretsKey } from '../directories/secrets-key';
import { EgressModule } from '../egress/egress.module';
import { HealthChecksModule } from '../health/health-checks.module';
import { BrowserHealth } from './browser-health';
import { checkBrowser } from '../engine/browser-check';
import { ChromiumService } from './browser/chromium.service';
import { BROWSER_PLAN, describePlan } from '../engine/launch';
import { LISTING_SUBMITTER } from '../engine/listing-submitter';
import { PlaywrightSubmitter } from './browser/playwright-submitter';
import { SubmissionProcessor } from './submission.processor';
import { SubmissionsModule } from './submissions.module';
import { WorkerFleet } from './worker-fleet';
import { IntakeWatch } from './intake-watch';
import { WorkerHttpServer } from './worker-http';
import { WorkerGauges } from './worker-gauges';

/**
 * The worker's browser, checked before anything else of this module exists: Nest resolves this
 * provider before any lifecycle hook runs, and the BullMQ consumer starts in one (onModuleInit),
 * so a worker without a usable Chromium fails to start and takes no job.
 */
const browserPlan = {
  provide: BROWSER_PLAN,
  inject: [APP_CONFIG],
  useFactory: async (config: AppConfig) => {
    const plan = await checkBrowser(config);
    const logger = new Logger('Browser');
    if (plan.sandbox) logger.log(describePlan(plan));
    else logger.warn(describePlan(plan));
    return plan;
  },
};

/** Refuses to start a worker that could not open the stored directory credentials. */
const secretsKeyChecked = {
  provide: 'SECRETS_KEY_CHECKED',
  inject: [DataSource, APP_CONFIG],
  useFactory: async (db: DataSource, config: AppConfig) => {
    try {
      await checkSecretsKey(db, config);
    } catch (err) {
      if ((err as Error).message.startsWith('SECRETS_KEY')) throw err;
      new Logger('Secrets').warn(`could not check stored credentials against SECRETS_KEY: ${(err as Error).message}`);
    }
    return true;
  },
};

/** The consumer side. Only the worker entrypoint imports it, so only workers take jobs. */
@Module({
  imports: [SubmissionsModule, EgressModule, HealthChecksModule],
  providers: [
    browserPlan,
    secretsKeyChecked,
    BrowserHealth,
    ChromiumService,
    { provide: LISTING_SUBMITTER, useClass: PlaywrightSubmitter },
    SubmissionProcessor,
    WorkerFleet,
    IntakeWatch,
    WorkerHttpServer,
    WorkerGauges,
  ],
})
export class WorkersModule {}
