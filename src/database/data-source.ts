import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';

/** .js once built; .ts when the sources run directly (jest). */
const EXT = __filename.endsWith('.ts') ? 'ts' : 'js';

/**
 * The one DataSource definition, shared by the app (through TypeOrmModule), the TypeORM CLI
 * (`cli-data-source.ts`) and tests. Schema changes only ever come from `migrations/`. `entities`
 * are those the caller reads through repositories; migrations and raw SQL need none.
 */
/** Connections each API or worker process keeps to PostgreSQL (the bench's raw intake clients share as many). */
export const APP_POOL_SIZE = 10;

export function dataSourceOptions(
  databaseUrl: string,
  use: 'app' | 'admin',
  entities: NonNullable<DataSourceOptions['entities']>,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities,
    migrations: [join(__dirname, '..', '..', 'migrations', `*.${EXT}`)],
    migrationsTableName: 'migrations',
    synchronize: false,
    // A database that takes 2 s to accept a connection, or 5 s to answer one of the app's small
    // queries, is treated as down (the API answers 503) rather than left to hang requests and
    // workers. 5 s, not 2: a loaded but healthy server must not look dead. Migrations and other
    // admin work may take long, so they get no such bound.
    extra:
      use === 'app'
        ? {
            max: APP_POOL_SIZE,
            connectionTimeoutMillis: 2000,
            query_timeout: 5500,
            statement_timeout: 5000,
            // A client that gave up on a frozen server (query_timeout) leaves its session open in
            // the middle of a transaction, holding row locks, once the server wakes: the server
            // ends such sessions itself.
            idle_in_transaction_session_timeout: 10_000,
          }
        : { max: 2, connectionTimeoutMillis: 10_000 },
  };
}

