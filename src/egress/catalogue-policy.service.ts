import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { EgressPolicy } from './egress-policy';

/** How stale the catalogue behind a new submission's policy may be: a sync shows within this. */
const MAX_AGE_MS = 5000;

/**
 * The egress policy built from the `directories` table: enabled directories only, since a
 * directory the sync disabled has left the catalogue. Read at most every few seconds, when a
 * submission starts, never per connection.
 */
@Injectable()
export class CataloguePolicy {
  private loaded?: { policy: EgressPolicy; at: number };
  private loading?: Promise<EgressPolicy>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async current(): Promise<EgressPolicy> {
    if (this.loaded && Date.now() - this.loaded.at < MAX_AGE_MS) return this.loaded.policy;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<EgressPolicy> {
    const at = Date.now();
    const rows: Array<{ submitUrl: string; verifyUrl: string | null; loginUrl: string | null; searchUrl: string | null }> = await this.db.query(
      `SELECT submit_url AS "submitUrl", adapter->'verify'->>'url' AS "verifyUrl", adapter->'verify'->'search'->>'url' AS "searchUrl",
              adapter->'login'->>'url' AS "loginUrl"
         FROM directories WHERE enabled`,
    );
    const policy = EgressPolicy.fromCatalogue(rows, this.config.EGRESS_PRIVATE_ORIGINS);
    this.loaded = { policy, at };
    return policy;
  }
}
