import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../config/config.schema';
import { ENTITIES } from './entities';

/**
 * The one DataSource definition, shared by the app (through TypeOrmModule) and the TypeORM CLI
 * (`npm run migration:run`). Schema changes only ever come from `migrations/`.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    // .js once built; .ts when the sources run directly (jest).
    migrations: [join(__dirname, '..', '..', 'migrations', `*.${__filename.endsWith('.ts') ? 'ts' : 'js'}`)],
    migrationsTableName: 'migrations',
    synchronize: false,
    // Bounded waits: a stuck database must surface as an error, not a hung request.
    extra: { max: 10, connectionTimeoutMillis: 5000, statement_timeout: 15000 },
  };
}

export default new DataSource(dataSourceOptions(loadConfig().DATABASE_URL));
