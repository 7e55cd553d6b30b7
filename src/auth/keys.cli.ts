import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config.schema';
import { dataSourceOptions } from '../database/data-source';
import { announceFromCli } from './access-notices';
import { SCOPES, type Scope } from './api-key';
import { Account, ApiKey } from './api-key.entity';
import { ApiKeysService, createApiKey } from './api-keys.service';

const USAGE = `Usage:
  npm run keys -- create --name <name> --scope <scope> [--scope <scope> ...] [--account <account>] [--expires <ISO date>]
  npm run keys -- list
  npm run keys -- revoke <id>
Scopes: ${SCOPES.join(', ')}. jobs:* keys without admin need --account (created if new).`;

/**
 * API keys from the command line, for the very first admin key (no build ships with one) and for
 * operators without an admin key at hand. Reads DATABASE_URL like the app.
 */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, account: { type: 'string' }, expires: { type: 'string' } },
  });
  const [command, id] = positionals;
  const config = loadConfig();
  const db = await new DataSource(dataSourceOptions(config.DATABASE_URL, 'admin', [Account, ApiKey])).initialize();
  try {
    if (command === 'create') {
      const scopes = values.scope ?? [];
      const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (!values.name || !scopes.length || bad.length) throw new UsageError(bad.length ? `unknown scope ${bad.join(', ')}` : '--name and --scope are required');
      const expiresAt = values.expires ? new Date(values.expires) : undefined;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new UsageError(`--expires ${values.expires} is not a date`);
      const { key, token } = await createApiKey(db.manager, { name: values.name, scopes: scopes as Scope[], account: values.account, expiresAt });
      console.log(`Created API key ${key.id} (${key.scopes.join(', ')}${key.account ? `, account ${key.account}` : ''}).`);
      console.log(`Store it now; it is not shown again:\n${token}`);
    } else if (command === 'list') {
      for (const k of await new ApiKeysService(db).list()) {
        const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < new Date() ? 'expired' : 'active';
        console.log(`${k.id}  ${state.padEnd(7)}  ${k.scopes.join(',').padEnd(28)}  ${(k.account ?? '-').padEnd(16)}  ${k.name}`);
      }
    } else if (command === 'revoke' && id) {
      await new ApiKeysService(db).revoke(id);
      console.log(`Revoked API key ${id}.`);
      if (!(await announceFromCli(config, { keyId: id }))) {
        console.log(`Redis did not answer: its open event streams end within STREAM_RECHECK_MS (${config.STREAM_RECHECK_MS} ms).`);
      }
    } else {
      throw new UsageError(command ? `unknown command ${command}` : 'no command given');
    }
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err.message);
  process.exit(err instanceof UsageError ? 2 : 1);
});
