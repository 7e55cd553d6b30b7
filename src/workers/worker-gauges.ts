import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Metrics } from '../metrics/metrics';
import { ChromiumService } from './browser/chromium.service';
import { IntakeWatch } from './intake-watch';

/** A worker's own gauges, read at scrape time: its slots, whether it takes work, its browser contexts. */
@Injectable()
export class WorkerGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly intake: IntakeWatch,
    private readonly chromium: ChromiumService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('boltline_worker_slots', "This worker's submission slots (WORKER_CONCURRENCY) by state: busy or free", ['state'], (gauge) => {
      gauge.set({ state: 'busy' }, this.intake.inFlight);
      gauge.set({ state: 'free' }, Math.max(0, this.config.WORKER_CONCURRENCY - this.intake.inFlight));
    });
    this.metrics.gauge('boltline_worker_taking_work', '1 while this worker takes the work that waits (its readiness without the stores: see IntakeWatch), else 0', [], (gauge) => {
      gauge.set(this.intake.stalled() === undefined ? 1 : 0);
    });
    this.metrics.gauge('boltline_browser_contexts_open', 'Browser contexts open in this worker (one per submission in flight)', [], (gauge) => {
      gauge.set(this.chromium.contextsOpen);
    });
  }
}
