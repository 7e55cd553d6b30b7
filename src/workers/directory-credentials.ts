import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { secretBoxOf } from '../directories/secrets-key';
import type { Credentials } from '../engine/values';

/**
 * The worker's only way to a directory's sign-in: read sealed from PostgreSQL and opened here,
 * by the attempt that signs in, right before it does. The values never go into a queue entry,
 * Redis, the claim or a log; the caller keeps them for the login steps and redacts them from
 * everything the attempt records.
 */
@Injectable()
export class DirectoryCredentials {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The directory's sign-in values, or undefined when none are stored. */
  async open(directoryId: string): Promise<Credentials | undefined> {
    const [row]: Array<{ sealed: Buffer }> = await this.db.query(`SELECT sealed FROM directory_credentials WHERE directory_id = $1`, [directoryId]);
    if (!row) return undefined;
    const box = secretBoxOf(this.config);
    // The worker refuses to start without the key once credentials exist; one stored since still needs it.
    if (!box) throw new Error(`SECRETS_KEY is not set on this worker, but ${directoryId} has stored credentials: set the SECRETS_KEY they were sealed with`);
    let opened: string;
    try {
      opened = box.open(row.sealed, directoryId);
    } catch {
      // GCM says only "unable to authenticate"; what matters is which fix applies.
      throw new Error(`the stored credentials of ${directoryId} do not open with this worker's SECRETS_KEY (another key, or changed): set the right key or store them again`);
    }
    return JSON.parse(opened) as Credentials;
  }
}
