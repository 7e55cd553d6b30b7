import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

/**
 * The one DataSource definition, shared by the app (through TypeOrmModule), the TypeORM CLI
 * (`cli-data-source.ts`) and tests. Schema changes only ever come from `migrations/`.
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

