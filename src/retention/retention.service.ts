import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { EVIDENCE_STORE, type EvidenceStore } from '../evidence/evidence-store';
import { Metrics } from '../metrics/metrics';
import { prune, type Removed } from './prune';

/**
 * One retention run ({@link prune}) with its report: what it removed goes to the log and to
 * boltline_retention_removed_total. The maintenance queue runs it on schedule (src/maintenance).
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {}

  /** One run now, in this process; what it removed. */
  async runNow(): Promise<Removed> {
    const removed = await prune(this.db, this.evidence, this.config, (message) => this.logger.error(message));
    const some = Object.entries(removed).filter(([, n]) => n > 0);
    for (const [kind, n] of some) this.metrics.retained.inc({ kind }, n);
    if (some.length) this.logger.log(`retention removed ${some.map(([kind, n]) => `${n} ${kind.replace('_', ' ')}`).join(', ')}`);
    return removed;
  }
}
