import type { DataSource } from 'typeorm';
import { parseSecretsKey, SecretBox } from '../common/secret-box';
import type { AppConfig } from '../config/config.schema';

/** The key, or undefined when SECRETS_KEY is unset. */
export function secretBoxOf(config: AppConfig): SecretBox | undefined {
  const key = config.SECRETS_KEY ? parseSecretsKey(config.SECRETS_KEY) : undefined;
  return key ? new SecretBox(key) : undefined;
}

/**
 * Refuses to start a process without SECRETS_KEY once a credential is stored: it could not sign in
 * anywhere, and would find out only at a directory's sign-in step. Also names a key that is not
 * the one the credentials were sealed with.
 */
export async function checkSecretsKey(db: DataSource, config: AppConfig): Promise<void> {
  const [row]: Array<{ key_id: string }> = await db.query(`SELECT key_id FROM directory_credentials LIMIT 1`);
  if (!row) return;
  const box = secretBoxOf(config);
  if (!box) throw new Error('SECRETS_KEY is not set, but directory credentials are stored: set the SECRETS_KEY they were sealed with (see docs/configuration.md)');
  const [other]: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM directory_credentials WHERE key_id <> $1`, [box.keyId]);
  if (other.n) throw new Error(`SECRETS_KEY is not the key ${other.n} stored directory credential(s) were sealed with (key ids differ): set the right key, or enter those credentials again`);
}
