import { Module } from '@nestjs/common';
import { EgressModule } from '../egress/egress.module';
import { ResultsModule } from '../results/results.module';
import { ChromiumService } from './browser/chromium.service';
import { LISTING_SUBMITTER } from './browser/listing-submitter';
import { PlaywrightSubmitter } from './browser/playwright-submitter';
import { SubmissionProcessor } from './submission.processor';
import { SubmissionService } from './submission.service';
import { WorkerFleet } from './worker-fleet';

/** The consumer side. Only the worker entrypoint imports it, so only workers take jobs. */
@Module({
  imports: [ResultsModule, EgressModule],
  providers: [ChromiumService, { provide: LISTING_SUBMITTER, useClass: PlaywrightSubmitter }, SubmissionService, SubmissionProcessor, WorkerFleet],
})
export class WorkersModule {}
