import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { EVIDENCE_STORE, type EvidenceStore } from './evidence-store';
import { LocalEvidence } from './local-evidence';
import { S3Evidence } from './s3-evidence';

/** The screenshots' store EVIDENCE_STORE names, for every process. */
@Global()
@Module({
  providers: [
    {
      provide: EVIDENCE_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): EvidenceStore =>
        config.EVIDENCE_STORE === 's3'
          ? new S3Evidence({
              artifactDir: config.ARTIFACT_DIR,
              bucket: config.EVIDENCE_S3_BUCKET as string,
              region: config.EVIDENCE_S3_REGION,
              endpoint: config.EVIDENCE_S3_ENDPOINT,
              pathStyle: config.EVIDENCE_S3_PATH_STYLE,
            })
          : new LocalEvidence(config.ARTIFACT_DIR),
    },
  ],
  exports: [EVIDENCE_STORE],
})
export class EvidenceModule implements OnApplicationShutdown {
  constructor(@Inject(EVIDENCE_STORE) private readonly store: EvidenceStore) {}

  onApplicationShutdown(): void {
    this.store.close?.();
  }
}
