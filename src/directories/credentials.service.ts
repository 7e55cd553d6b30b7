import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { fieldErrorsOf } from './definition/directory.schema';
import type { CatalogueActor } from './directories.service';
import { checkSecretsKey, secretBoxOf } from './secrets-key';

/** What a credential may be called: `username`, `password`, `accountId`... */
export const CREDENTIAL_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,31}$/;

/** What a sign-in is made of, e.g. `{ "username": "...", "password": "..." }`. */
export const credentialsSchema = z
  .object({
    values: z
      .record(
        z.string().regex(CREDENTIAL_NAME, 'a name is a letter followed by up to 31 letters, digits or underscores, e.g. username'),
        z.string({ error: 'each value must be text' }).min(1, 'a value must not be empty').max(1000, 'a value is at most 1000 characters'),
      )
      .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 10, 'give 1 to 10 values, e.g. { "username": "...", "password": "..." }'),
  })
  .strict();

export interface CredentialsInfo {
  names: string[];
  updatedBy: string;
  updatedAt: Date;
}

/**
 * Directories' sign-ins, write-only: they go in through the admin API or the dashboard and come
 * out, opened, only in a worker's sign-in step. Nothing here returns a value.
 */
@Injectable()
export class CredentialsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await checkSecretsKey(this.db, this.config);
    } catch (err) {
      // Only the answer matters: an unreachable database is the watchdog's business.
      if ((err as Error).message.startsWith('SECRETS_KEY')) throw err;
      this.logger.warn(`could not check stored credentials against SECRETS_KEY: ${(err as Error).message}`);
    }
  }

  /** Whether this process has a SECRETS_KEY to seal credentials with. */
  canStore(): boolean {
    return secretBoxOf(this.config) !== undefined;
  }

  async describe(directoryId: string): Promise<CredentialsInfo | null> {
    const [row] = await this.db.query(`SELECT names, updated_by AS "updatedBy", updated_at AS "updatedAt" FROM directory_credentials WHERE directory_id = $1`, [directoryId]);
    return row ?? null;
  }

  async set(directoryId: string, input: unknown, actor: CatalogueActor): Promise<CredentialsInfo> {
    const parsed = credentialsSchema.safeParse(input);
    if (!parsed.success) throw new ProblemException('validation', 'The credentials are not { "values": { "<name>": "<value>", ... } }.', fieldErrorsOf(parsed.error));
    const box = secretBoxOf(this.config);
    if (!box) throw new ProblemException('conflict', 'SECRETS_KEY is not set on this API, so credentials cannot be stored; set it on the API and every worker (docs/configuration.md).');
    const names = Object.keys(parsed.data.values).sort();
    const sealed = box.seal(JSON.stringify(parsed.data.values), directoryId);
    const [row] = await this.db.query(
      `INSERT INTO directory_credentials (directory_id, names, sealed, key_id, updated_by)
       SELECT id, $2, $3, $4, $5 FROM directories WHERE id = $1
       ON CONFLICT (directory_id) DO UPDATE SET names = EXCLUDED.names, sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id,
         updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING names, updated_by AS "updatedBy", updated_at AS "updatedAt"`,
      [directoryId, names, sealed, box.keyId, actor.actor],
    );
    if (!row) throw new ProblemException('not-found', `No directory ${directoryId}.`);
    await this.audit.record({ ...actor, action: 'directory.credentials.set', detail: { directory: directoryId, names } });
    return row;
  }

  async clear(directoryId: string, actor: CatalogueActor): Promise<void> {
    const [, removed]: [unknown[], number] = await this.db.query(`DELETE FROM directory_credentials WHERE directory_id = $1`, [directoryId]);
    if (!removed) throw new ProblemException('not-found', `Directory ${directoryId} has no stored credentials.`);
    await this.audit.record({ ...actor, action: 'directory.credentials.clear', detail: { directory: directoryId } });
  }
}
