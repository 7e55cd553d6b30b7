import { loadConfig } from '../config/config.schema';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database/data-source';
import { sandboxCatalogue } from './catalogue';
import { syncDirectories } from './directory-sync';

/** `npm run directories:sync`: loads the catalogue kept in the repo into the `directories` table. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = new DataSource(dataSourceOptions(config.DATABASE_URL, 'admin'));
  await dataSource.initialize();
  try {
    const result = await syncDirectories(dataSource.manager, sandboxCatalogue(config.SANDBOX_URL));
    console.log(`directories synced: ${result.upserted} upserted, ${result.disabled} disabled`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
